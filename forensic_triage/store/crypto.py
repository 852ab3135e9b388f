"""Encryption at rest for a case store, and SQLCipher connections for encrypted app stores.

An encrypted case keeps its store in SQLCipher 4 (AES-256-CBC pages, each with an HMAC-SHA512,
through the ``sqlcipher3`` wheel; WAL frames are encrypted pages too, and SQLCipher keeps its
temporary tables in memory). The 256-bit key is derived from the examiner's passphrase with
scrypt (memory-hard, in the standard library) and a random salt, and handed to SQLCipher as a
raw key, so SQLCipher runs no second KDF.

The clear header ``case-encryption.json`` beside the store holds what is needed to derive the
key again (salt and scrypt parameters) and a key check value: an HMAC made with a second,
independent half of the scrypt output, so a wrong passphrase is told apart from a damaged store
without decrypting anything, and the check value says nothing about the database key.

The passphrase comes, in this order, from the caller, from ``--passphrase-file`` (the CLI calls
``use_passphrase_file``), from the environment variable FORENSIC_TRIAGE_PASSPHRASE, or from an
interactive prompt when standard input is a terminal. Derived keys stay in this process's memory
only (forked ingest workers inherit them; they never open the store anyway); nothing here writes a
key or passphrase to a file, a log or a command line.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Self

from forensic_triage.errors import CaseError, TriageError

HEADER_NAME = "case-encryption.json"
HEADER_FORMAT = "forensic-triage encrypted case store"
PASSPHRASE_ENV = "FORENSIC_TRIAGE_PASSPHRASE"
KEY_FILE_ENV = "FORENSIC_TRIAGE_KEY_FILE"
CIPHER = "SQLCipher 4: AES-256-CBC pages with HMAC-SHA512, raw 256-bit key"
MIN_PASSPHRASE = 8
# scrypt N=2^17, r=8, p=1: 128 MiB and about half a second per derivation (OWASP's 2023 minimum
# for scrypt is N=2^17), paid once per command.
DEFAULT_N, DEFAULT_R, DEFAULT_P = 1 << 17, 8, 1
_CHECK_LABEL = b"forensic-triage case key check v1"


@dataclass(frozen=True, kw_only=True, slots=True)
class KdfParams:
    name: str
    n: int
    r: int
    p: int
    salt: str    # hex

    def derive(self, passphrase: str) -> bytes:
        """64 bytes: the database key, then the key-check key."""
        if self.name != "scrypt":
            raise CaseError(f"this case's key derivation '{self.name}' is not supported by this version")
        return hashlib.scrypt(passphrase.encode("utf-8"), salt=bytes.fromhex(self.salt), n=self.n, r=self.r,
                              p=self.p, dklen=64, maxmem=256 * self.n * self.r + (16 << 20))


@dataclass(frozen=True, kw_only=True, slots=True)
class CaseEncryption:
    """The clear header of an encrypted case (no secret in it)."""

    cipher: str
    library: str
    kdf: KdfParams
    key_check: str   # hex HMAC-SHA256 under the second half of the KDF output

    def describe(self) -> dict[str, Any]:
        """What custody records about the encryption: never the key or the check value."""
        return {"cipher": self.cipher, "library": self.library, "kdf": self.kdf.name,
                "kdf_parameters": {"n": self.kdf.n, "r": self.kdf.r, "p": self.kdf.p, "salt_bytes": 16},
                "header": HEADER_NAME}

    def check(self, derived: bytes) -> bool:
        return hmac.compare_digest(_check_value(derived), self.key_check)


def _check_value(derived: bytes) -> str:
    return hmac.new(derived[32:], _CHECK_LABEL, hashlib.sha256).hexdigest()


def library_version() -> str:
    return f"sqlcipher3 (SQLite {sqlcipher().sqlite_version})"


# --- the header ---------------------------------------------------------------------------------

def header_path(case_dir: Path) -> Path:
    return Path(case_dir) / HEADER_NAME


def read_header(case_dir: Path) -> CaseEncryption | None:
    """The case's encryption header, or None for a case that is not encrypted."""
    path = header_path(case_dir)
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format") != HEADER_FORMAT:
            raise ValueError("not a forensic-triage encryption header")
        kdf = KdfParams(**raw["kdf"])
        bytes.fromhex(kdf.salt)
        return CaseEncryption(cipher=raw["cipher"], library=raw["library"], kdf=kdf, key_check=raw["key_check"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CaseError(f"{path} is damaged ({exc}): the case's key cannot be derived without it") from None


def write_header(case_dir: Path, passphrase: str, *, n: int = DEFAULT_N, r: int = DEFAULT_R,
                 p: int = DEFAULT_P) -> bytes:
    """Write a new header (salt, KDF parameters, key check) and return the database key."""
    kdf = KdfParams(name="scrypt", n=n, r=r, p=p, salt=secrets.token_bytes(16).hex())
    derived = kdf.derive(passphrase)
    header = CaseEncryption(cipher=CIPHER, library=library_version(), kdf=kdf, key_check=_check_value(derived))
    path = header_path(case_dir)
    body = {"format": HEADER_FORMAT, "cipher": header.cipher, "library": header.library, "kdf": asdict(kdf),
            "key_check": header.key_check,
            "note": "Clear on purpose: salt and parameters to derive the key from the passphrase. No secret here."}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(body, out, indent=1, sort_keys=True)
        out.flush()
        os.fsync(out.fileno())
    _KEYS[_cache_key(header, passphrase)] = derived[:32]
    return derived[:32]


def encrypted_case_of(path: Path) -> Path | None:
    """The encrypted case folder that ``path`` lies in (e.g. a plugin's scratch folder), or None."""
    path = Path(path).absolute()
    for folder in (path, *path.parents):
        if (folder / HEADER_NAME).is_file() and (folder / "case.sqlite").exists():
            return folder
    return None


# --- the passphrase and the key -----------------------------------------------------------------

_PASSPHRASE_FILE: list[Path] = []
_KEYS: dict[tuple[str, str], bytes] = {}


def use_passphrase_file(path: Path | None) -> None:
    """Called by the CLI's --passphrase-file: the file every case opened afterwards reads from."""
    _PASSPHRASE_FILE.clear()
    if path is not None:
        _PASSPHRASE_FILE.append(Path(path))


def _read_passphrase_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TriageError(f"cannot read the passphrase file {path}: {exc}") from None
    # Only the line end an editor adds; spaces inside or around a passphrase are part of it.
    return text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")


def resolve_passphrase(*, confirm: bool = False) -> str:
    """The passphrase from --passphrase-file, the environment, or a prompt on a terminal."""
    if _PASSPHRASE_FILE:
        passphrase = _read_passphrase_file(_PASSPHRASE_FILE[0])
    elif os.environ.get(PASSPHRASE_ENV):
        passphrase = os.environ[PASSPHRASE_ENV]
    elif sys.stdin is not None and sys.stdin.isatty():
        import getpass

        passphrase = getpass.getpass("Case passphrase: ")
        if confirm and getpass.getpass("Repeat the passphrase: ") != passphrase:
            raise TriageError("the two passphrases differ: nothing was created")
    else:
        raise CaseError(f"this case is encrypted: give its passphrase with --passphrase-file FILE or the "
                        f"{PASSPHRASE_ENV} environment variable")
    if not passphrase:
        raise CaseError("the passphrase is empty")
    return passphrase


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise TriageError(f"the passphrase is too short: use at least {MIN_PASSPHRASE} characters "
                          f"(a few unrelated words are best)")


def _cache_key(header: CaseEncryption, passphrase: str) -> tuple[str, str]:
    # The salt names the case; a keyed hash of the passphrase (not the passphrase) tells two
    # passphrases apart, so a wrong one typed later is never served a cached key.
    return header.kdf.salt, hmac.new(bytes.fromhex(header.kdf.salt), passphrase.encode("utf-8"),
                                     hashlib.sha256).hexdigest()


def case_key(header: CaseEncryption, passphrase: str | None = None) -> bytes:
    """The database key of an encrypted case; CaseError 'wrong passphrase' when it does not check."""
    if passphrase is None:
        passphrase = resolve_passphrase()
    cached = _KEYS.get(_cache_key(header, passphrase))
    if cached is not None:
        return cached
    derived = header.kdf.derive(passphrase)
    if not header.check(derived):
        raise CaseError("wrong passphrase for this case")
    _KEYS[_cache_key(header, passphrase)] = derived[:32]
    return derived[:32]


def forget_keys() -> None:
    _KEYS.clear()


# --- SQLCipher connections ----------------------------------------------------------------------

def sqlcipher():
    """The SQLCipher DB-API module (the sqlite3 API, SQLCipher underneath)."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        raise TriageError("encrypted stores need the SQLCipher wheel: pip install sqlcipher3-wheels") from None
    return dbapi2


def connect_encrypted(path: Path, key: bytes, **kwargs: Any):
    """A SQLCipher connection to ``path`` with a raw 256-bit key applied before anything is read."""
    module = sqlcipher()
    conn = module.connect(str(path), **kwargs)
    apply_key(conn, raw_key=key)
    return conn


def apply_key(conn, *, raw_key: bytes | None = None, passphrase: str | None = None,
              options: Mapping[str, Any] | None = None) -> None:
    """Key a fresh SQLCipher connection: a raw key (no KDF) or a passphrase (SQLCipher's PBKDF2),
    then the app's cipher settings (``options``: compat, kdf_iter, page_size, plaintext_header_size)."""
    # SQLCipher logs page HMAC failures (wrong key, damaged page) to stderr itself; the caller
    # reports them as one clear line instead.
    conn.execute("PRAGMA cipher_log_level = NONE")
    if raw_key is not None:
        conn.execute(f"PRAGMA key = \"x'{raw_key.hex()}'\"")
    elif passphrase is not None:
        conn.execute("PRAGMA key = " + _quote(passphrase))
    for name, pragma in (("compat", "cipher_compatibility"), ("kdf_iter", "kdf_iter"),
                         ("page_size", "cipher_page_size"), ("plaintext_header_size", "cipher_plaintext_header_size"),
                         ("hmac_algorithm", "cipher_hmac_algorithm"), ("kdf_algorithm", "cipher_kdf_algorithm")):
        value = (options or {}).get(name)
        if value is not None:
            conn.execute(f"PRAGMA {pragma} = {_quote(value) if isinstance(value, str) else int(value)}")
    conn.execute("PRAGMA temp_store = MEMORY")


def _quote(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


# --- keys of encrypted app stores (ingest --key-file) -------------------------------------------

@dataclass(frozen=True, kw_only=True, slots=True)
class AppKey:
    """One entry of a key file: which store it opens and how (the secret stays in memory)."""

    match: str                    # a glob on the evidence path, or a file name
    label: str
    raw_key: bytes | None = None
    passphrase: str | None = None
    options: tuple[tuple[str, Any], ...] = ()

    def matches(self, path: str) -> bool:
        path = path.lstrip("/")
        name = path.rsplit("/", 1)[-1]
        return fnmatchcase(path, self.match) or fnmatchcase(name, self.match) \
            or fnmatchcase("/" + path, self.match) or (self.match.startswith("**/") and fnmatchcase(name, self.match[3:]))

    def describe(self) -> dict[str, Any]:
        """For warnings and custody: what the key opens and how, never the key."""
        return {"key_entry": self.label, "match": self.match,
                "key_type": "raw key" if self.raw_key is not None else "passphrase", **dict(self.options)}


_OPTION_TYPES = {"compat": int, "kdf_iter": int, "page_size": int, "plaintext_header_size": int,
                 "hmac_algorithm": str, "kdf_algorithm": str}


def load_key_file(path: Path) -> list[AppKey]:
    """Parse a key file (see the README section 'Encrypted app stores'); TriageError when malformed.

    JSON: either {"keys": [{"match": GLOB, "key": HEX64 | "passphrase": TEXT, "label": ..., options}]}
    or a plain mapping {GLOB or file name: "x'HEX64'" | "raw:HEX64" | PASSPHRASE | {entry}}."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TriageError(f"cannot read the key file {path}: {exc}") from None
    except ValueError as exc:
        raise TriageError(f"the key file {path} is not JSON: {exc.args[0].split(':')[0]}") from None
    if isinstance(raw, dict) and isinstance(raw.get("keys"), list):
        entries = [(item.get("match") if isinstance(item, dict) else None, item) for item in raw["keys"]]
    elif isinstance(raw, dict):
        entries = list(raw.items())
    else:
        raise TriageError(f"the key file {path} must hold a JSON object")
    keys = []
    for index, (match, value) in enumerate(entries, start=1):
        if not isinstance(match, str) or not match:
            raise TriageError(f"key file entry {index}: 'match' (a path glob or file name) is missing")
        keys.append(_app_key(match, value, index))
    return keys


def _app_key(match: str, value: Any, index: int) -> AppKey:
    if isinstance(value, str):
        value = {"key": value[4:]} if value.startswith("raw:") else \
            {"key": value[2:-1]} if value.startswith("x'") and value.endswith("'") else {"passphrase": value}
    if not isinstance(value, dict):
        raise TriageError(f"key file entry {index} ({match}): give a key string or an object")
    options = []
    for name, kind in _OPTION_TYPES.items():
        if name in value:
            if not isinstance(value[name], kind) or isinstance(value[name], bool):
                raise TriageError(f"key file entry {index} ({match}): '{name}' must be {kind.__name__}")
            options.append((name, value[name]))
    label = str(value.get("label") or f"entry {index}")
    if "key" in value:
        text = str(value["key"]).strip()
        if text.startswith("x'") and text.endswith("'"):
            text = text[2:-1]
        try:
            raw_key = bytes.fromhex(text)
        except ValueError:
            raw_key = b""
        if len(raw_key) not in (32, 48):
            raise TriageError(f"key file entry {index} ({match}): 'key' must be 64 hex digits (a raw 256-bit "
                              f"key, or 96 with the salt); use 'passphrase' for a passphrase")
        return AppKey(match=match, label=label, raw_key=raw_key, options=tuple(options))
    if isinstance(value.get("passphrase"), str) and value["passphrase"]:
        return AppKey(match=match, label=label, passphrase=value["passphrase"], options=tuple(options))
    raise TriageError(f"key file entry {index} ({match}): give 'key' (hex) or 'passphrase'")


def key_file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def app_keys_from_environment() -> list[AppKey]:
    """The keys of `ingest --key-file`, which the CLI names in the environment (a path, never a key)
    so that plugin workers, forked or spawned, can read them."""
    path = os.environ.get(KEY_FILE_ENV)
    return load_key_file(Path(path)) if path else []


def use_key_file(path: Path) -> str:
    """Check a key file and name it (its absolute path) in the environment for the plugin workers;
    return its SHA-256 for custody. TriageError before anything runs when it is malformed."""
    keys = load_key_file(path)
    if not keys:
        raise TriageError(f"the key file {path} holds no keys")
    os.environ[KEY_FILE_ENV] = str(Path(path).resolve())
    return key_file_digest(path)


KEY_USED_CODE = "encrypted.opened_with_key"


def record_key_use(store, key_file_sha256: str) -> dict[str, Any]:
    """A custody entry saying that examiner-supplied keys were given and which stored files they
    opened (file ids and key entry labels from the plugin's warnings; never a key)."""
    opened = [{"warning_id": row[0], "file_id": row[1], "key_entry": json.loads(row[2]).get("key_entry")}
              for row in store.conn.execute("SELECT id, file_id, context FROM warnings WHERE code = ? ORDER BY id",
                                            (KEY_USED_CODE,))]
    with store.transaction():
        return store.append_custody("ingest.key_file", {"key_file_sha256": key_file_sha256,
                                                        "stores_opened": opened})


# --- encrypted working files (seekable; e.g. a decompressed copy of gzip evidence) --------------

WORKING_MAGIC = b"FTWORK1\x00"
_BLOCK = 16


def working_file_key(case_key: bytes, label: str) -> bytes:
    """A key for one working file, derived from the case key and the file's label (its name in the
    case folder), so the case key itself never leaves the store's process memory."""
    return hmac.new(case_key, b"forensic-triage working file v1\x00" + label.encode("utf-8"), hashlib.sha256).digest()


def _ctr(key: bytes, nonce: int, block: int):
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    counter = ((nonce + block) % (1 << 128)).to_bytes(16, "big")
    return Cipher(algorithms.AES(key), modes.CTR(counter))


class EncryptedWriter:
    """Write a working file as AES-256-CTR under a fresh random nonce (header: magic, nonce). Not
    authenticated: what it holds is checked by the hashes recorded for it, as a plain copy would be."""

    def __init__(self, path: Path, key: bytes) -> None:
        nonce = secrets.token_bytes(16)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._out = os.fdopen(fd, "wb")
        self._out.write(WORKING_MAGIC + nonce)
        self._encryptor = _ctr(key, int.from_bytes(nonce, "big"), 0).encryptor()

    def write(self, data: bytes) -> int:
        self._out.write(self._encryptor.update(data))
        return len(data)

    def close(self) -> None:
        self._out.write(self._encryptor.finalize())
        self._out.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class EncryptedReader:
    """Random access to a file written by EncryptedWriter: ``read_at(offset, size)``, ``size``."""

    def __init__(self, path: Path, key: bytes) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - held until close()
        header = self._file.read(len(WORKING_MAGIC) + 16)
        if header[:len(WORKING_MAGIC)] != WORKING_MAGIC or len(header) < len(WORKING_MAGIC) + 16:
            self._file.close()
            raise CaseError(f"{path} is not an encrypted working file of this tool")
        self._key = key
        self._nonce = int.from_bytes(header[len(WORKING_MAGIC):], "big")
        self._start = len(header)
        self.size = os.fstat(self._file.fileno()).st_size - self._start

    def read_at(self, offset: int, size: int) -> bytes:
        size = max(0, min(size, self.size - offset))
        if size == 0:
            return b""
        first = offset - offset % _BLOCK
        self._file.seek(self._start + first)
        data = self._file.read(size + offset - first)
        plain = _ctr(self._key, self._nonce, first // _BLOCK).decryptor().update(data)
        return plain[offset - first:]

    def close(self) -> None:
        self._file.close()
