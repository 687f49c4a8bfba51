"""personal data at rest: the NIK and TOTP secret sealed, login attempts keep only a keyed hash,
claim releases to agency apps recorded, closed accounts

Existing rows are converted in place: every NIK and TOTP secret is sealed with the current data
key (``services/sealing.py``, from MPP_SECRET_KEY) and every login attempt's identifier replaced by
its keyed hash; then the clear columns are dropped. The downgrade opens them again.

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-30 02:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from mpp_digital.services import sealing

revision: str = '0010'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_user = sa.table('user', sa.column('id', sa.Integer), sa.column('nik', sa.String), sa.column('totp_secret', sa.String),
                 sa.column('nik_sealed', sa.String), sa.column('nik_lookup', sa.String),
                 sa.column('totp_secret_sealed', sa.String))
_attempt = sa.table('loginattempt', sa.column('id', sa.Integer), sa.column('identifier', sa.String),
                    sa.column('identifier_hash', sa.String))


def upgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nik_sealed', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('nik_lookup', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_secret_sealed', sqlmodel.sql.sqltypes.AutoString(length=200),
                                      nullable=True))
        batch_op.add_column(sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    rows = conn.execute(sa.select(_user.c.id, _user.c.nik, _user.c.totp_secret)
                        .where(sa.or_(_user.c.nik.is_not(None), _user.c.totp_secret.is_not(None)))).all()
    for user_id, nik, totp in rows:
        conn.execute(_user.update().where(_user.c.id == user_id).values(
            nik_sealed=sealing.seal(nik, purpose=sealing.PURPOSE_NIK),
            nik_lookup=sealing.lookup_hash(nik, purpose=sealing.PURPOSE_NIK),
            totp_secret_sealed=sealing.seal(totp, purpose=sealing.PURPOSE_TOTP)))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_nik'))
        batch_op.drop_column('nik')
        batch_op.drop_column('totp_secret')
        batch_op.create_index(batch_op.f('ix_user_nik_lookup'), ['nik_lookup'], unique=True)

    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identifier_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    for attempt_id, identifier in conn.execute(sa.select(_attempt.c.id, _attempt.c.identifier)).all():
        conn.execute(_attempt.update().where(_attempt.c.id == attempt_id).values(
            identifier_hash=sealing.lookup_hash(identifier, purpose=sealing.PURPOSE_LOGIN_IDENTIFIER)))
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.drop_index('ix_loginattempt_identifier_at')
        batch_op.drop_column('identifier')
        batch_op.alter_column('identifier_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index('ix_loginattempt_identifier_hash_at', ['identifier_hash', 'at'], unique=False)

    op.create_table('claimrelease',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('client_pk', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('endpoint', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('claims', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['client_pk'], ['oauthclient.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('claimrelease', schema=None) as batch_op:
        batch_op.create_index('ix_claimrelease_user_at', ['user_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_claimrelease_client_pk'), ['client_pk'], unique=False)


def downgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table('claimrelease', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claimrelease_client_pk'))
        batch_op.drop_index('ix_claimrelease_user_at')
    op.drop_table('claimrelease')

    # A keyed hash cannot be reversed: the attempts keep it as their identifier (they only hold
    # repeated failures for 15 minutes, and the retention job deletes them).
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.drop_index('ix_loginattempt_identifier_hash_at')
        batch_op.alter_column('identifier_hash', new_column_name='identifier',
                              existing_type=sa.String(length=64), type_=sa.String(length=254),
                              existing_nullable=False)
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.create_index('ix_loginattempt_identifier_at', ['identifier', 'at'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nik', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('totp_secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    rows = conn.execute(sa.select(_user.c.id, _user.c.nik_sealed, _user.c.totp_secret_sealed)
                        .where(sa.or_(_user.c.nik_sealed.is_not(None), _user.c.totp_secret_sealed.is_not(None)))).all()
    for user_id, nik, totp in rows:
        conn.execute(_user.update().where(_user.c.id == user_id).values(
            nik=sealing.unseal(nik, purpose=sealing.PURPOSE_NIK),
            totp_secret=sealing.unseal(totp, purpose=sealing.PURPOSE_TOTP)))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_nik_lookup'))
        batch_op.drop_column('nik_lookup')
        batch_op.drop_column('nik_sealed')
        batch_op.drop_column('totp_secret_sealed')
        batch_op.drop_column('closed_at')
        batch_op.create_index(batch_op.f('ix_user_nik'), ['nik'], unique=True)
