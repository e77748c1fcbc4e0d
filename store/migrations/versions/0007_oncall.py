"""on-call: alerts of emergency and high-urgency cases to the on-call team, the daily digest of overdue cases

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oncall_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('alerted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('escalate_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('acknowledged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('acknowledged_via', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('superseded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('oncall_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_alert_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_oncall_alert_waiting', ['acknowledged_at', 'superseded_at', 'escalate_at'],
                              unique=False)
    op.create_table('overdue_digest',
    sa.Column('day', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )


def downgrade() -> None:
    op.drop_table('overdue_digest')
    with op.batch_alter_table('oncall_alert', schema=None) as batch_op:
        batch_op.drop_index('ix_oncall_alert_waiting')
        batch_op.drop_index(batch_op.f('ix_oncall_alert_case_id'))
    op.drop_table('oncall_alert')
