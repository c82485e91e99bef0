"""janus_node_states: operators drain Janus nodes for every orchestrator at once (issue 7)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:05:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('janus_node_states',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('draining', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('janus_node_states')
