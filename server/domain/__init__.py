"""Pure domain logic and content: question bank, skills, matching, journey questionnaires.

No web framework, no database, no I/O beyond the packaged files in `data/`. The DB layer turns
rows into the frozen dataclasses of each module (e.g. `matching.SeekerProfile`) and back.
"""

from server.domain.errors import DomainError

__all__ = ["DomainError"]
