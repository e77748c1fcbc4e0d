"""typed inbound: what a received message carried besides its text, in columns instead of one JSON `extra`

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

FIELDS = ('lat', 'lon', 'profile_name', 'thread_id', 'thread_reference', 'automatic', 'media', 'raw')


def upgrade() -> None:
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('lon', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('profile_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('thread_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('thread_reference', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('automatic', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('media', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('raw', sa.JSON(), server_default='{}', nullable=False))
    table = sa.table('inbound_message', sa.column('id', sa.Integer), sa.column('extra', sa.JSON),
                     *(sa.column(name) for name in FIELDS[:5]), sa.column('automatic', sa.Boolean),
                     sa.column('media', sa.JSON), sa.column('raw', sa.JSON))
    connection = op.get_bind()
    for row_id, extra in connection.execute(sa.select(table.c.id, table.c.extra)).all():
        extra = extra or {}
        values = {name: extra.get(name) for name in FIELDS[:5]}
        values.update(automatic=bool(extra.get('automatic')), media=extra.get('media') or [], raw=extra.get('raw') or {})
        connection.execute(table.update().where(table.c.id == row_id).values(**values))
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_column('extra')


def downgrade() -> None:
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extra', sa.JSON(), server_default='{}', nullable=False))
    table = sa.table('inbound_message', sa.column('id', sa.Integer), sa.column('extra', sa.JSON),
                     *(sa.column(name) for name in FIELDS))
    connection = op.get_bind()
    for row in connection.execute(sa.select(table.c.id, *(table.c[name] for name in FIELDS))).mappings().all():
        extra = {name: row[name] for name in FIELDS}
        connection.execute(table.update().where(table.c.id == row['id']).values(extra=extra))
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        for name in reversed(FIELDS):
            batch_op.drop_column(name)
