"""call_markers.slot: each live marker holds one of its call's slots, unique, so that the database refuses a marker too many when placements race (issue 8)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 18:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

LIVE = sa.text('removed_at IS NULL')


def upgrade() -> None:
    with op.batch_alter_table('call_markers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slot', sa.Integer(), nullable=False, server_default='0'))
    # Number each call's live markers 1, 2, ... in the order they were placed; removed
    # ones keep 0, which the unique index below does not cover.
    op.execute(
        "UPDATE call_markers SET slot = ("
        " SELECT COUNT(*) FROM call_markers AS earlier"
        " WHERE earlier.call_id = call_markers.call_id AND earlier.removed_at IS NULL"
        " AND (earlier.placed_at < call_markers.placed_at"
        " OR (earlier.placed_at = call_markers.placed_at"
        " AND earlier.marker_id <= call_markers.marker_id)))"
        " WHERE removed_at IS NULL"
    )
    with op.batch_alter_table('call_markers', schema=None) as batch_op:
        batch_op.alter_column('slot', server_default=None)
        batch_op.drop_index('ix_call_markers_call_live')
        batch_op.create_index(
            'uq_call_markers_live_slot',
            ['call_id', 'slot'],
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        )


def downgrade() -> None:
    with op.batch_alter_table('call_markers', schema=None) as batch_op:
        batch_op.drop_index('uq_call_markers_live_slot', sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index('ix_call_markers_call_live', ['call_id', 'removed_at'], unique=False)
        batch_op.drop_column('slot')
