"""Join the two branches of the security work: sign-in holds and kiosk devices (0009) and
personal data at rest (0010). No schema change of its own.

Revision ID: 0013
Revises: 0009, 0010
"""

from collections.abc import Sequence

revision: str = '0013'
down_revision: str | None = ('0009', '0010')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
