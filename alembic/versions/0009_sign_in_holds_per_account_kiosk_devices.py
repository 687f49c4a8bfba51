"""sign-in holds per account (loginattempt.user_id) and paired kiosk devices

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 02:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0009'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_loginattempt_user_at', ['user_id', 'at'], unique=False)

    op.create_table('kioskdevice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('pairing_code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('pairing_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('paired_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['mppsite.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pairing_code_hash'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('kioskdevice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kioskdevice_site_id'), ['site_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kioskdevice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kioskdevice_site_id'))
    op.drop_table('kioskdevice')
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.drop_index('ix_loginattempt_user_at')
        batch_op.drop_column('user_id')
