"""identity assurance: levels, counter verification, NIK disputes; a session's amr; a service's
requires_verified

Existing sessions were signed in with a password alone (amr "pwd"); existing services ask for no
verified identity.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 04:49:42.876942
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('identityassurance',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('verified_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('verified_site_id', sa.Integer(), nullable=True),
    sa.Column('verified_by', sa.Integer(), nullable=True),
    sa.Column('counter_code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('counter_code_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('suspended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('suspended_reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['verified_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['verified_site_id'], ['mppsite.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )
    with op.batch_alter_table('identityassurance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identityassurance_counter_code_hash'), ['counter_code_hash'], unique=False)

    op.create_table('nikdispute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nik_lookup', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('nik_sealed', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('claimant_id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolved_site_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['claimant_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['holder_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['resolved_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['resolved_site_id'], ['mppsite.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('nikdispute', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nikdispute_claimant_id'), ['claimant_id'], unique=False)
        batch_op.create_index('ix_nikdispute_lookup_status', ['nik_lookup', 'status'], unique=False)

    op.create_table('identityverification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['dispute_id'], ['nikdispute.id'], ),
    sa.ForeignKeyConstraint(['officer_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['mppsite.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('identityverification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identityverification_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_verified', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('usersession', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amr', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default='pwd'))



def downgrade() -> None:
    with op.batch_alter_table('usersession', schema=None) as batch_op:
        batch_op.drop_column('amr')

    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('requires_verified')

    with op.batch_alter_table('identityverification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identityverification_user_id'))

    op.drop_table('identityverification')
    with op.batch_alter_table('nikdispute', schema=None) as batch_op:
        batch_op.drop_index('ix_nikdispute_lookup_status')
        batch_op.drop_index(batch_op.f('ix_nikdispute_claimant_id'))

    op.drop_table('nikdispute')
    with op.batch_alter_table('identityassurance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identityassurance_counter_code_hash'))

    op.drop_table('identityassurance')
