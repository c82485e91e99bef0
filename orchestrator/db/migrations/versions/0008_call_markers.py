"""call_markers: the tracking markers of a call, so that the API enforces their limit (issue 8)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 16:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('call_markers',
    sa.Column('marker_id', sa.String(length=32), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('marker_id')
    )
    with op.batch_alter_table('call_markers', schema=None) as batch_op:
        batch_op.create_index('ix_call_markers_call_live', ['call_id', 'removed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('call_markers', schema=None) as batch_op:
        batch_op.drop_index('ix_call_markers_call_live')

    op.drop_table('call_markers')
