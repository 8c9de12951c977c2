"""pip's own option tables, so arguments are read the way pip's optparse reads them.

Generated from pip's parsers (``create_command(name).parser``) and extended with the
options newer pips added. optparse accepts any unambiguous prefix of a long option
(``--tr`` is ``--trusted-host``; ``--t`` is ambiguous in ``install``), attached short
values (``-ihttp://...``) and ``--opt=value``; requirements files use their own, smaller
parser (``--t`` is ``--trusted-host`` there).
"""

from __future__ import annotations

from dataclasses import dataclass

_NEWER = " --group= --all-releases --only-final --resume-retries= --no-require-hashes"
_TABLES = {
    "install": (
        "--abi= --break-system-packages --cache-dir= --cert= --check-build-dependencies --client-cert= --compile "
        "--config-settings= --constraint= --debug --default-timeout= --disable-pip-version-check --dry-run "
        "--editable= --exists-action= --extra-index-url= --find-links= --force-reinstall --global-option= --help "
        "--ignore-installed --ignore-requires-python --implementation= --index-url= --isolated --keyring-provider= "
        "--local-log= --log-file= --log= --no-binary= --no-build-isolation --no-cache-dir --no-clean --no-color "
        "--no-compile --no-dependencies --no-deps --no-index --no-input --no-python-version-warning --no-use-pep517 "
        "--no-user --no-warn-conflicts --no-warn-script-location --only-binary= --platform= --pre --prefer-binary "
        "--prefix= --progress-bar= --proxy= --pypi-url= --python-version= --python= --quiet --report= "
        "--require-hashes --require-venv --require-virtualenv --requirement= --retries= --root-user-action= --root= "
        "--source-dir= --source-directory= --source= --src= --target= --timeout= --trusted-host= --upgrade "
        "--upgrade-strategy= --use-deprecated= --use-feature= --use-pep517 --user --verbose --version" + _NEWER,
        "C= I U V c= e= f= h i= q r= t= v",
    ),
    "download": (
        "--abi= --cache-dir= --cert= --check-build-dependencies --client-cert= --constraint= --debug "
        "--default-timeout= --dest= --destination-dir= --destination-directory= --disable-pip-version-check "
        "--exists-action= --extra-index-url= --find-links= --global-option= --help --ignore-requires-python "
        "--implementation= --index-url= --isolated --keyring-provider= --local-log= --log-file= --log= --no-binary= "
        "--no-build-isolation --no-cache-dir --no-clean --no-color --no-dependencies --no-deps --no-index --no-input "
        "--no-python-version-warning --no-use-pep517 --only-binary= --platform= --pre --prefer-binary "
        "--progress-bar= --proxy= --pypi-url= --python-version= --python= --quiet --require-hashes --require-venv "
        "--require-virtualenv --requirement= --retries= --source-dir= --source-directory= --source= --src= "
        "--timeout= --trusted-host= --use-deprecated= --use-feature= --use-pep517 --verbose --version" + _NEWER,
        "V c= d= f= h i= q r= v",
    ),
    "wheel": (
        "--build-option= --cache-dir= --cert= --check-build-dependencies --client-cert= --config-settings= "
        "--constraint= --debug --default-timeout= --disable-pip-version-check --editable= --exists-action= "
        "--extra-index-url= --find-links= --global-option= --help --ignore-requires-python --index-url= --isolated "
        "--keyring-provider= --local-log= --log-file= --log= --no-binary= --no-build-isolation --no-cache-dir "
        "--no-clean --no-color --no-dependencies --no-deps --no-index --no-input --no-python-version-warning "
        "--no-use-pep517 --no-verify --only-binary= --pre --prefer-binary --progress-bar= --proxy= --pypi-url= "
        "--python= --quiet --require-hashes --require-venv --require-virtualenv --requirement= --retries= "
        "--source-dir= --source-directory= --source= --src= --timeout= --trusted-host= --use-deprecated= "
        "--use-feature= --use-pep517 --verbose --version --wheel-dir=" + _NEWER,
        "C= V c= e= f= h i= q r= v w=",
    ),
    "index": (
        "--abi= --cache-dir= --cert= --client-cert= --debug --default-timeout= --disable-pip-version-check "
        "--exists-action= --extra-index-url= --find-links= --help --ignore-requires-python --implementation= "
        "--index-url= --isolated --keyring-provider= --local-log= --log-file= --log= --no-binary= --no-cache-dir "
        "--no-color --no-index --no-input --no-python-version-warning --only-binary= --platform= --pre --proxy= "
        "--pypi-url= --python-version= --python= --quiet --require-venv --require-virtualenv --retries= --timeout= "
        "--trusted-host= --use-deprecated= --use-feature= --verbose --version",
        "V f= h i= q v",
    ),
    "list": (
        "--cache-dir= --cert= --client-cert= --debug --default-timeout= --disable-pip-version-check --editable "
        "--exclude-editable --exclude= --exists-action= --extra-index-url= --find-links= --format= --help "
        "--include-editable --index-url= --isolated --keyring-provider= --local --local-log= --log-file= --log= "
        "--no-cache-dir --no-color --no-index --no-input --no-python-version-warning --not-required --outdated "
        "--path= --pre --proxy= --pypi-url= --python= --quiet --require-venv --require-virtualenv --retries= "
        "--timeout= --trusted-host= --uptodate --use-deprecated= --use-feature= --user --verbose --version",
        "V e f= h i= l o q u v",
    ),
    # requirements files (pip._internal.req.req_file.SUPPORTED_OPTIONS + per-requirement options)
    "requirements": (
        "--config-settings= --constraint= --editable= --extra-index-url= --find-links= --global-option= --hash= "
        "--index-url= --no-binary= --no-index --only-binary= --pre --prefer-binary --pypi-url= --require-hashes "
        "--requirement= --trusted-host= --use-feature= --all-releases --only-final --no-require-hashes",
        "C= c= e= f= i= r=",
    ),
    # options valid before the subcommand (pip's general options)
    "general": (
        "--cache-dir= --cert= --client-cert= --debug --default-timeout= --disable-pip-version-check "
        "--exists-action= --help --isolated --keyring-provider= --local-log= --log-file= --log= --no-cache-dir "
        "--no-color --no-input --no-python-version-warning --proxy= --python= --quiet --require-venv "
        "--require-virtualenv --retries= --timeout= --use-deprecated= --use-feature= --verbose --version",
        "V h q v",
    ),
}
_TABLES["lock"] = _TABLES["install"]
INDEX_COMMANDS = frozenset({"install", "download", "wheel", "lock", "index", "list"})
# Option names that are the same setting (the alias --pypi-url is --index-url).
CANONICAL = {
    "--pypi-url": "--index-url",
    "-i": "--index-url",
    "-f": "--find-links",
    "-r": "--requirement",
    "-c": "--constraint",
    "-e": "--editable",
}


@dataclass(frozen=True)
class Table:
    longs: dict[str, bool]  # name -> takes a value
    shorts: dict[str, bool]

    def resolve_long(self, given: str) -> str | None:
        """optparse's _match_abbrev: exact, else the one option starting with ``given``; None if none/ambiguous."""
        if given in self.longs:
            return given
        matches = [name for name in self.longs if name.startswith(given)]
        return matches[0] if len(matches) == 1 else None


def _build(spec: tuple[str, str]) -> Table:
    longs = {item.rstrip("="): item.endswith("=") for item in spec[0].split()}
    shorts = {"-" + item[0]: item.endswith("=") for item in spec[1].split()}
    return Table(longs, shorts)


TABLES: dict[str, Table] = {name: _build(spec) for name, spec in _TABLES.items()}


@dataclass(frozen=True)
class Parsed:
    option: str  # canonical long name (--index-url), or "" for a positional
    value: str
    index: int  # index of the word that holds (or starts) it


def parse_args(args: list[str], table: Table) -> list[Parsed]:
    """Options (resolved, canonical) and positionals of a pip argument list."""
    out: list[Parsed] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            out.extend(Parsed("", a, j) for j, a in enumerate(args[i + 1 :], start=i + 1))
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg.partition("=")
            resolved = table.resolve_long(name)
            if resolved is None:
                i += 1
                continue
            takes = table.longs[resolved]
            canonical = CANONICAL.get(resolved, resolved)
            if takes and not eq:
                value = args[i + 1] if i + 1 < len(args) else ""
                out.append(Parsed(canonical, value, i))
                i += 2
                continue
            out.append(Parsed(canonical, value if takes else "", i))
            i += 1
            continue
        if arg.startswith("-") and len(arg) > 1:
            # a bundle of short options: -qU, -ihttp://x, -qi URL
            j = 1
            consumed_next = False
            while j < len(arg):
                short = "-" + arg[j]
                if short not in table.shorts:
                    break
                if table.shorts[short]:
                    rest = arg[j + 1 :]
                    canonical = CANONICAL.get(short, short)
                    if rest:
                        out.append(Parsed(canonical, rest, i))
                    else:
                        out.append(Parsed(canonical, args[i + 1] if i + 1 < len(args) else "", i))
                        consumed_next = True
                    break
                j += 1
            i += 2 if consumed_next else 1
            continue
        out.append(Parsed("", arg, i))
        i += 1
    return out
