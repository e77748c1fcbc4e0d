"""validation with a date and a cost: the date an agent expects the work (replacing the category's delay in
the messages) and the cost they estimate, in cents

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('cost_cents', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('cost_cents')
        batch_op.drop_column('expected_on')
