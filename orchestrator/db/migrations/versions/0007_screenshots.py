"""screenshots: stills taken in calls and their merged annotation elements (issue 6)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 19:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('screenshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('public_id', sa.String(length=40), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('taken_by', sa.String(length=100), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finalized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('original_artifact_id', sa.Integer(), nullable=True),
    sa.Column('annotated_artifact_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['annotated_artifact_id'], ['artifacts.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['original_artifact_id'], ['artifacts.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['video_sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'public_id')
    )
    with op.batch_alter_table('screenshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screenshots_session_id'), ['session_id'], unique=False)

    op.create_table('screenshot_elements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screenshot_id', sa.Integer(), nullable=False),
    sa.Column('element_id', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.BigInteger(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['screenshot_id'], ['screenshots.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('screenshot_id', 'element_id')
    )
    with op.batch_alter_table('screenshot_elements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screenshot_elements_screenshot_id'), ['screenshot_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('screenshot_elements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screenshot_elements_screenshot_id'))

    op.drop_table('screenshot_elements')
    with op.batch_alter_table('screenshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screenshots_session_id'))

    op.drop_table('screenshots')
