"""The cockpit's users file: who may log in, with which role and link to the org hierarchy.

A YAML file (``$MEDOPS_USERS_FILE``, default ``$MEDOPS_HOME/users.yaml``) managed with
``medops users add/list/disable``. Passwords are stored only as bcrypt hashes. Each user has
a role (``dashboards.access.ROLES``) and, for roles scoped below the company, an employee id
of the CRM's org hierarchy (``dim_employees``) and/or an org unit id; an ``email`` links the
user to a company SSO login (OIDC) instead of a password.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import bcrypt
import yaml

from dashboards.access import ROLES
from medops.settings import paths

MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str
    employee_id: str | None = None
    unit_id: str | None = None
    email: str | None = None
    password_hash: str | None = None
    disabled: bool = False


def users_file() -> Path:
    configured = os.environ.get("MEDOPS_USERS_FILE")
    return Path(configured) if configured else paths().home / "users.yaml"


def load_users(path: Path | None = None) -> dict[str, User]:
    path = path or users_file()
    if not path.exists():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        username: User(username=username, **fields)
        for username, fields in (raw.get("users") or {}).items()
    }


def save_users(users: dict[str, User], path: Path | None = None) -> None:
    """Write the file atomically, readable by its owner only (it holds password hashes)."""
    path = path or users_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "users": {
            name: {k: v for k, v in asdict(user).items() if k != "username" and v is not None}
            for name, user in sorted(users.items())
        }
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), "utf-8")
    temporary.chmod(0o600)
    os.replace(temporary, path)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


# verified against when the user does not exist, so a wrong name costs as long as a wrong
# password and the timing does not tell which names exist
_DUMMY_HASH = bcrypt.hashpw(b"not a password", bcrypt.gensalt()).decode("ascii")


def check_password(user: User | None, password: str) -> bool:
    """Whether ``password`` is ``user``'s (False for a missing, disabled or SSO-only user)."""
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    matches = bcrypt.checkpw(password.encode("utf-8"), stored.encode("ascii"))
    return bool(user and user.password_hash and not user.disabled and matches)


def add_user(
    username: str,
    name: str,
    role: str,
    password: str | None,
    employee_id: str | None = None,
    unit_id: str | None = None,
    email: str | None = None,
    path: Path | None = None,
) -> User:
    """Add (or replace) a user. Raises ValueError on an unknown role or a weak password."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if not password and not email:
        raise ValueError("a user needs a password or an SSO email")
    user = User(
        username=username,
        name=name,
        role=role,
        employee_id=employee_id,
        unit_id=unit_id,
        email=email,
        password_hash=hash_password(password) if password else None,
    )
    users = load_users(path)
    users[username] = user
    save_users(users, path)
    return user


def set_disabled(username: str, disabled: bool, path: Path | None = None) -> User:
    users = load_users(path)
    if username not in users:
        raise KeyError(username)
    users[username] = User(**{**asdict(users[username]), "disabled": disabled})
    save_users(users, path)
    return users[username]
