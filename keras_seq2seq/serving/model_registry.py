"""The models a server serves, and their versions, found on disk as TF Serving finds them.

Each model has a base path whose folders named by an int64 are its versions
(other names are ignored, with one warning each, as TF Serving ignores them).
Every poll loads the versions the model's version policy asks for (by default
the highest one) and unloads the others once the new ones are available. A
version that fails to load (a half-copied folder, a corrupt `saved_model.pb`)
is logged, reported by GetModelStatus, and skipped, so the version already
serving goes on serving; it is tried again when its files change. A served
version whose folder disappears goes on serving until a newer one has loaded
(TF Serving keeps it too; falling back to an older folder would roll back).
Versions can carry labels from the config file ("stable": 2); a label must
name a version that is available, as TF Serving requires.
"""

import dataclasses
import logging
import os
import threading
from pathlib import Path

from keras_seq2seq.serving.errors import ServerError, ServingConfigError, invalid_argument, not_found

log = logging.getLogger("keras_seq2seq.serving")

# GetModelStatusResponse's ModelVersionStatus.State.
LOADING, AVAILABLE, END = "LOADING", "AVAILABLE", "END"


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """One model: its name, its base path, and which versions to serve.

    `policy` is ("latest", n), ("all",) or ("specific", versions), as TF Serving's ServableVersionPolicy;
    `labels` is `((label, version), ...)`, as its `version_labels`.
    """

    name: str
    base_path: Path
    policy: tuple = ("latest", 1)
    labels: tuple = ()


def model_configs(server_config):
    """`ModelConfig`s from a `ModelServerConfig` message; `ServingConfigError` for what this server cannot serve."""
    configs = []
    for config in server_config.model_config_list.config:
        if not config.name or not config.base_path:
            raise ServingConfigError(f"--model_config_file: every config needs a name and a base_path: {config}")
        if config.model_platform not in ("", "tensorflow"):
            raise ServingConfigError(
                f"--model_config_file: model {config.name!r} has model_platform {config.model_platform!r}; "
                "this server serves 'tensorflow' SavedModels only"
            )
        if config.name in {known.name for known in configs}:
            raise ServingConfigError(f"--model_config_file: model {config.name!r} is configured twice")
        policy = config.model_version_policy
        choice = policy.WhichOneof("policy_choice")
        if choice == "all":
            rule = ("all",)
        elif choice == "specific":
            rule = ("specific", frozenset(policy.specific.versions))
        else:
            rule = ("latest", policy.latest.num_versions or 1)
        labels = tuple(sorted(config.version_labels.items()))
        configs.append(ModelConfig(config.name, Path(config.base_path), rule, labels))
    if not configs:
        raise ServingConfigError("--model_config_file: the model_config_list has no config")
    return configs


@dataclasses.dataclass
class VersionState:
    state: str
    error_code: str = "OK"
    error_message: str = ""


class _Model:
    def __init__(self, config):
        self.config = config
        self.serving = {}  # version -> Servable
        self.states = {}  # version -> VersionState
        self.failed = {}  # version -> fingerprint of the files that failed to load
        self.last_problem = None
        self.ignored = set()  # folder names already warned about


class ModelRegistry:
    """Serves the configured models; `load_servable(name, version, path)` makes a `Servable`."""

    def __init__(self, configs, load_servable):
        self._models = {config.name: _Model(config) for config in configs}
        self._load_servable = load_servable
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._poller = None

    @property
    def names(self):
        return list(self._models)

    def servable(self, name, version=None):
        """The version asked for, or the highest one serving; NOT_FOUND as TF Serving words it."""
        model = self._models.get(name)
        with self._lock:
            serving = dict(model.serving) if model else {}
        if version is None:
            if serving:
                return serving[max(serving)]
            raise not_found(f"Servable not found for request: Latest({name})")
        if version in serving:
            return serving[version]
        raise not_found(f"Servable not found for request: Specific({name}, {version})")

    def version_for_label(self, name, label):
        """The version `label` names in the model's config; INVALID_ARGUMENT as TF Serving words it."""
        model = self._models.get(name)
        labels = dict(model.config.labels) if model else {}
        if label not in labels:
            raise invalid_argument(f"Unrecognized servable version label: {label}")
        return labels[label]

    def problems_at_start(self, check_labels=True):
        """Why the server must not start: `["model X: reason", ...]` for each model with no available version
        and (with `check_labels`) each label naming a version that is not available (TF Serving refuses both)."""
        problems = []
        for name, model in self._models.items():
            with self._lock:
                serving, states = set(model.serving), dict(model.states)
            if not serving:
                reasons = [state.error_message for state in states.values() if state.error_message]
                reason = reasons[-1] if reasons else model.last_problem or "no version could be loaded"
                problems.append(f"model {name}: {reason}")
            for label, version in model.config.labels if check_labels else ():
                if version not in serving:
                    problems.append(
                        f"model {name}: label {label!r} names version {version}, which is not available "
                        "(TF Serving assigns labels to available versions only)"
                    )
        return problems

    def status(self, name, version=None):
        """`[(version, VersionState)]` of every version this server knows of; NOT_FOUND as TF Serving words it."""
        model = self._models.get(name)
        with self._lock:
            states = dict(model.states) if model else {}
        if version is not None:
            if version not in states:
                raise not_found(f"Could not find version {version} of model {name}")
            return [(version, states[version])]
        if not states:
            raise not_found(f"Could not find any versions of model {name}")
        return sorted(states.items())

    def poll(self):
        """Loads and unloads versions to match what is on disk now."""
        for model in self._models.values():
            try:
                self._poll_model(model)
            except Exception:  # noqa: BLE001 (a poll must never stop the poller)
                log.exception("polling model %s failed", model.config.name)

    def start_polling(self, seconds):
        """Polls every `seconds` in a daemon thread (never when `seconds` <= 0, as in TF Serving)."""
        if seconds <= 0:
            return

        def loop():
            while not self._stop.wait(seconds):
                self.poll()

        self._poller = threading.Thread(target=loop, name="model-poller", daemon=True)
        self._poller.start()

    def close(self):
        self._stop.set()
        if self._poller is not None:
            self._poller.join(60)
        for model in self._models.values():
            with self._lock:
                servables, model.serving = list(model.serving.values()), {}
            for servable in servables:
                servable.close()

    def _poll_model(self, model):
        name, base_path = model.config.name, model.config.base_path
        versions = self._versions_on_disk(model)
        if versions is None or not versions:
            problem = (
                f"Could not find base path {base_path} for servable {name}"
                if versions is None
                else f"No versions of servable {name} found under base path {base_path}"
            )
            if problem != model.last_problem:
                log.warning("%s", problem)
            model.last_problem = problem
            versions = versions or {}
        else:
            model.last_problem = None
        kind, *arguments = model.config.policy
        # A served version whose folder is gone stays a candidate: it keeps serving until a newer one loads.
        candidates = sorted(set(versions) | set(model.serving), reverse=True)
        if kind == "specific":
            candidates = [version for version in candidates if version in arguments[0]]
        wanted = arguments[0] if kind == "latest" else len(candidates)
        available = []
        for version in candidates:
            if len(available) >= wanted:
                break
            if version in model.serving or self._load(model, version, versions[version]):
                available.append(version)
        for version in [version for version in model.serving if version not in available]:
            with self._lock:
                servable = model.serving.pop(version)
                model.states[version] = VersionState(END)
            log.info("unloaded version %d of model %s", version, name)
            servable.close()

    def _load(self, model, version, path):
        fingerprint = _fingerprint(path)
        if model.failed.get(version) == fingerprint:
            return False
        name = model.config.name
        with self._lock:
            model.states[version] = VersionState(LOADING)
        try:
            servable = self._load_servable(name, version, path)
        except Exception as error:  # noqa: BLE001 (any failure to load leaves the version out)
            code = error.code if isinstance(error, ServerError) else "UNKNOWN"
            message = f"{type(error).__name__}: {' '.join(str(error).split())}"
            log.error(
                "version %d of model %s at %s failed to load, so it is not served: %s", version, name, path, message
            )
            model.failed[version] = fingerprint
            with self._lock:
                model.states[version] = VersionState(END, code, message)
            return False
        model.failed.pop(version, None)
        with self._lock:
            model.serving[version] = servable
            model.states[version] = VersionState(AVAILABLE)
        log.info("serving version %d of model %s from %s", version, name, path)
        return True


    def _versions_on_disk(self, model):
        """{version: folder} of the folders named by an int64, or None when the base path is not a folder.

        Other names are ignored, with one warning each; hidden ones (an export's staging folder) silently.
        """
        try:
            entries = [entry for entry in Path(model.config.base_path).iterdir() if entry.is_dir()]
        except OSError:
            return None
        versions = {}
        for entry in entries:
            version = _version_number(entry.name)
            if version is not None:
                versions[version] = entry
            elif not entry.name.startswith(".") and entry.name not in model.ignored:
                model.ignored.add(entry.name)
                log.warning(
                    "model %s: ignoring the folder %r in %s: a version folder is named by an int64",
                    model.config.name, entry.name, model.config.base_path,
                )
        return versions


def _version_number(name):
    """The version a folder name gives (ASCII digits making an int64, as TF Serving parses them), else None."""
    if not (name.isascii() and name.isdigit()):
        return None
    version = int(name)
    return version if version < 2**63 else None


def _fingerprint(path, limit=10000):
    """(relative path, size, mtime) of the files in a version folder, so that a changed folder is tried again."""
    files = []
    for folder, _, names in os.walk(path):
        for file_name in names:
            file_path = os.path.join(folder, file_name)
            try:
                info = os.stat(file_path)
            except OSError:
                continue
            files.append((os.path.relpath(file_path, path), info.st_size, info.st_mtime_ns))
            if len(files) >= limit:
                return tuple(sorted(files))
    return tuple(sorted(files))


def status_response(registry, name, version=None):
    """A `GetModelStatusResponse` for `name` (every version, or `version`)."""
    from tensorflow_serving.apis import get_model_status_pb2

    from keras_seq2seq.serving.errors import CODE_NAMES

    response = get_model_status_pb2.GetModelStatusResponse()
    states = get_model_status_pb2.ModelVersionStatus.State
    for known_version, state in registry.status(name, version):
        entry = response.model_version_status.add(version=known_version, state=states.Value(state.state))
        entry.status.error_code = CODE_NAMES.index(state.error_code)
        entry.status.error_message = state.error_message
    return response


def metadata_response(registry, name, version=None, fields=("signature_def",)):
    """A `GetModelMetadataResponse` carrying the version's `SignatureDefMap`, as TF Serving builds it."""
    from tensorflow_serving.apis import get_model_metadata_pb2

    if not fields:
        raise invalid_argument("GetModelMetadataRequest must specify at least one metadata_field")
    for field in fields:
        if field != "signature_def":
            raise invalid_argument(f"Metadata field {field} is not supported")
    servable = registry.servable(name, version)
    response = get_model_metadata_pb2.GetModelMetadataResponse()
    response.model_spec.name = servable.name
    response.model_spec.version.value = servable.version
    signatures = get_model_metadata_pb2.SignatureDefMap()
    for key, signature in servable.signature_defs.items():
        signatures.signature_def[key].CopyFrom(signature)
    response.metadata["signature_def"].Pack(signatures)
    return response
