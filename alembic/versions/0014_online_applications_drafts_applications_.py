"""online applications: drafts, applications, timeline, documents, outputs, notifications

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 04:44:30.194534
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('applicationcounter',
    sa.Column('regency_digits', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('regency_digits', 'year')
    )
    op.create_table('storeddocument',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('mime', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('deleted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('storeddocument', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storeddocument_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_storeddocument_sha256'), ['sha256'], unique=False)

    op.create_table('application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_number', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=True),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('workflow', sa.JSON(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('data_sealed', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('fee_variant', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('fee_rupiah', sa.Integer(), nullable=True),
    sa.Column('payment_status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('payment_method', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('paid_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('waiting_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('paused_working_days', sa.Integer(), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('deadline_met', sa.Boolean(), nullable=True),
    sa.Column('assigned_to', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['assigned_to'], ['user.id'], ),
    sa.ForeignKeyConstraint(['citizen_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['mppsite.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('draft_id'),
    sa.UniqueConstraint('tracking_number')
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index('ix_application_citizen', ['citizen_id', 'submitted_at'], unique=False)
        batch_op.create_index('ix_application_worklist', ['site_id', 'agency_id', 'open', 'due_date'], unique=False)

    op.create_table('applicationdraft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('data_sealed', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('fee_variant', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('submitted_application_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['citizen_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['mppsite.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('applicationdraft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applicationdraft_citizen_id'), ['citizen_id'], unique=False)

    op.create_table('signingcertificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('cert_pem', sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False),
    sa.Column('key_sealed', sqlmodel.sql.sqltypes.AutoString(length=12000), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('not_after', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['mppsite.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id')
    )
    op.create_table('applicationdocument',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('attached_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['storeddocument.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'item_key', 'document_id')
    )
    with op.batch_alter_table('applicationdocument', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applicationdocument_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applicationdocument_document_id'), ['document_id'], unique=False)

    op.create_table('applicationevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('from_state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('to_state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('note_sealed', sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('applicationevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applicationevent_application_id'), ['application_id'], unique=False)

    op.create_table('documentaccess',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('viewer_user_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['storeddocument.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['viewer_user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('documentaccess', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documentaccess_owner_id'), ['owner_id'], unique=False)

    op.create_table('issuedoutput',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('holder_masked', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('issued_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('issued_by', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['storeddocument.id'], ),
    sa.ForeignKeyConstraint(['issued_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['revoked_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['mppsite.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('issuedoutput', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issuedoutput_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issuedoutput_sha256'), ['sha256'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_unread', ['user_id', 'read_at'], unique=False)

    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requirement_items', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('workflow', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('fee_schedule', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))



def downgrade() -> None:
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('fee_schedule')
        batch_op.drop_column('workflow')
        batch_op.drop_column('requirement_items')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_unread')

    op.drop_table('notification')
    with op.batch_alter_table('issuedoutput', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issuedoutput_sha256'))
        batch_op.drop_index(batch_op.f('ix_issuedoutput_application_id'))

    op.drop_table('issuedoutput')
    with op.batch_alter_table('documentaccess', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documentaccess_owner_id'))

    op.drop_table('documentaccess')
    with op.batch_alter_table('applicationevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicationevent_application_id'))

    op.drop_table('applicationevent')
    with op.batch_alter_table('applicationdocument', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicationdocument_document_id'))
        batch_op.drop_index(batch_op.f('ix_applicationdocument_application_id'))

    op.drop_table('applicationdocument')
    op.drop_table('signingcertificate')
    with op.batch_alter_table('applicationdraft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicationdraft_citizen_id'))

    op.drop_table('applicationdraft')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_worklist')
        batch_op.drop_index('ix_application_citizen')

    op.drop_table('application')
    with op.batch_alter_table('storeddocument', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storeddocument_sha256'))
        batch_op.drop_index(batch_op.f('ix_storeddocument_owner_id'))

    op.drop_table('storeddocument')
    op.drop_table('applicationcounter')
