"""Consistency of the deployment files under deploy/, which cannot run here (no Docker, no
Kubernetes): every YAML parses, and images, versions, ports and pipeline options agree with
each other and with deploy/versions.env, the single source of the versions: BEAM_VERSION for
the project's environment, FLINK_BEAM_VERSION and FLINK_VERSION for everything on Flink."""

from __future__ import annotations

import argparse
import re
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from apache_beam.options.pipeline_options import PipelineOptions
from packaging.specifiers import SpecifierSet

import pipelines.options  # noqa: F401  (registers the project's options with Beam)

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
YAML_FILES = sorted(DEPLOY.rglob("*.yaml"))
POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}
WORKER_POOL_PORT = 50000
# The project's worker pool in the worker image, starting workers with the SDK image's boot.
WORKER_POOL = ["python", "-m", "pipelines.worker_pool"]
WORKER_POOL_ARGS = [
    f"--service_port={WORKER_POOL_PORT}",
    "--container_executable=/opt/apache/beam/boot",
]
# Where the image keeps its job server (deploy/docker/Dockerfile).
IMAGE_JOB_SERVER_JAR = "/opt/beam/jars/beam-runners-flink-job-server.jar"
# The scripts behind the local Flink: their Beam is FLINK_BEAM_VERSION, never BEAM_VERSION.
FLINK_SCRIPTS = ("flink-env.sh", "flink.sh", "flink_venv.sh", "job_server.sh")
# Options of Beam's Java Flink runner (FlinkPipelineOptions) that the Python SDK learns from
# the job server at submission, so Beam's Python parser does not know them.
JAVA_FLINK_OPTIONS = {"checkpointing_interval"}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _versions() -> dict[str, str]:
    text = (DEPLOY / "versions.env").read_text(encoding="utf-8")
    return dict(re.findall(r"^([A-Z_]+)=(\S+)$", text, re.M))


def _flink_beam() -> str:
    return _versions()["FLINK_BEAM_VERSION"]


def _flink_version() -> str:
    return _versions()["FLINK_VERSION"]


def _flink_minor() -> str:
    return _flink_version().rsplit(".", 1)[0]


def _worker_image() -> str:
    return f"news-event-pipeline:{_pyproject()['project']['version']}-beam{_flink_beam()}"


def _flink_image() -> str:
    return f"flink:{_flink_version()}-scala_2.12-java17"


def _interpolate(text: str) -> str:
    """``${VAR}``, ``${VAR:?message}`` and ``${VAR:-default}`` replaced by the values of
    deploy/versions.env, as ``docker compose --env-file deploy/versions.env`` does; every
    variable must be one of them."""
    versions = _versions()

    def value(match: re.Match) -> str:
        assert match.group(1) in versions, f"${{{match.group(1)}}} is not in versions.env"
        return versions[match.group(1)]

    return re.sub(r"\$\{(\w+)(?::?[?-][^}]*)?\}", value, text)


def _docs(name: str) -> list[dict]:
    text = (DEPLOY / name).read_text(encoding="utf-8")
    if name == "compose.yaml":
        text = _interpolate(text)
    return [d for d in yaml.safe_load_all(text) if d is not None]


def _one(name: str, kind: str) -> dict:
    found = [d for d in _docs(name) if d.get("kind") == kind]
    assert len(found) == 1, f"{name}: expected one {kind}"
    return found[0]


def _args(args: list[str]) -> dict[str, str]:
    """``--name=value`` / ``--flag`` arguments as a dict (flags map to "")."""
    parsed = {}
    for arg in args:
        assert arg.startswith("--"), f"not an option: {arg!r}"
        name, _, value = arg[2:].partition("=")
        assert name not in parsed, f"option given twice: --{name}"
        parsed[name] = value
    return parsed


def _submitters() -> dict[str, list[str]]:
    """Every place that submits the pipeline to Flink: the Kubernetes Jobs and the compose
    services, by name, with their ``python -m pipelines.run`` arguments."""
    found = {}
    for path in sorted((DEPLOY / "k8s").glob("submit-*.yaml")):
        job = _one(f"k8s/{path.name}", "Job")
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["command"] == ["python", "-m", "pipelines.run"]
        found[path.name] = container["args"]
    for name, service in _docs("compose.yaml")[0]["services"].items():
        if service.get("entrypoint") == ["python", "-m", "pipelines.run"]:
            found[f"compose:{name}"] = service["command"]
    return found


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_yaml_parses_into_mappings(path):
    docs = _docs(path.relative_to(DEPLOY).as_posix())
    assert docs, f"{path} is empty"
    assert all(isinstance(d, dict) for d in docs)


def test_yaml_files_are_found():
    names = {p.relative_to(DEPLOY).as_posix() for p in YAML_FILES}
    assert {"compose.yaml", "k8s/flink-session.yaml", "k8s/submit-batch-job.yaml"} <= names


def test_versions_file_names_every_version():
    versions = _versions()
    assert {"BEAM_VERSION", "FLINK_BEAM_VERSION", "FLINK_VERSION", "APICURIO_VERSION"} <= set(
        versions
    )
    # Release numbers, with the qualifier of JBoss-style releases (Apicurio, Quarkus 2).
    assert all(re.fullmatch(r"\d+\.\d+\.\d+(\.Final)?", v) for v in versions.values()), versions


def test_installed_beam_is_the_pinned_one():
    import apache_beam

    assert apache_beam.__version__ == _versions()["BEAM_VERSION"]


def test_pyproject_accepts_both_beam_releases():
    (beam,) = [d for d in _pyproject()["project"]["dependencies"] if d.startswith("apache-beam")]
    allowed = SpecifierSet(beam.removeprefix("apache-beam"))
    assert _versions()["BEAM_VERSION"] in allowed
    assert _flink_beam() in allowed


@pytest.mark.parametrize("script", FLINK_SCRIPTS)
def test_flink_scripts_take_beam_from_flink_beam_version(script):
    lines = (DEPLOY / "local" / script).read_text(encoding="utf-8").splitlines()
    code = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    assert not re.search(r"(?<!FLINK_)BEAM_VERSION", code)


def test_no_project_option_is_a_prefix_of_a_beam_option():
    """Some Beam releases (2.62 among them) parse options with argparse abbreviations on: an
    option of ours that begins another option's name (``--output``, ``--output_executable_path``)
    is also read as that option, and the Flink job server then writes a jar instead of running."""
    ours = {a.dest for a in _parser(pipelines.options.NewsPipelineOptions)._actions}
    beam = set()
    for cls in PipelineOptions.__subclasses__():
        if cls is not pipelines.options.NewsPipelineOptions:
            beam |= {a.dest for a in _parser(cls)._actions}
    clashes = {o: sorted(b for b in beam if b != o and b.startswith(o)) for o in ours - {"help"}}
    assert {o: b for o, b in clashes.items() if b} == {}


def _parser(cls) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    cls._add_argparse_args(parser)
    return parser


def test_job_server_pom_defaults_match_the_pins():
    props = ET.parse(DEPLOY / "local/job-server/pom.xml").getroot().find("m:properties", POM_NS)
    assert props.find("m:beam.version", POM_NS).text == _flink_beam()
    assert props.find("m:flink.minor", POM_NS).text == _flink_minor()


def test_dockerfile_builds_on_the_flink_beam_sdk_image():
    text = (DEPLOY / "docker/Dockerfile").read_text(encoding="utf-8")
    args = dict(re.findall(r"^ARG (\w+)=(\S+)$", text, re.M))
    assert args == {"FLINK_BEAM_VERSION": _flink_beam(), "FLINK_VERSION": _flink_version()}
    python = re.search(r">=(\d+\.\d+)", _pyproject()["project"]["requires-python"]).group(1)
    assert f"FROM apache/beam_python{python}_sdk:${{FLINK_BEAM_VERSION}}" in text
    built = "target/beam-runners-flink-${FLINK_VERSION%.*}-job-server-${FLINK_BEAM_VERSION}.jar"
    moved = re.search(r'mv "(\S+)" \\\n\s+/jars/(\S+)$', text, re.M)
    assert moved, "the job-server stage must move its jar into /jars/"
    assert moved.groups() == (built, Path(IMAGE_JOB_SERVER_JAR).name)
    assert re.search(r"^COPY --from=job-server /jars/ (\S+)$", text, re.M).group(1) == (
        str(Path(IMAGE_JOB_SERVER_JAR).parent) + "/"
    )
    assert f"-t {_worker_image()} ." in text


def test_flink_deployment_versions_and_sidecar():
    deployment = _one("k8s/flink-session.yaml", "FlinkDeployment")
    spec = deployment["spec"]
    assert spec["image"] == _flink_image()
    assert spec["flinkVersion"] == "v" + _flink_minor().replace(".", "_")
    containers = spec["taskManager"]["podTemplate"]["spec"]["containers"]
    (sidecar,) = [c for c in containers if c["name"] == "beam-worker-pool"]
    assert sidecar["image"] == _worker_image()
    assert sidecar["command"] == WORKER_POOL
    assert sidecar["args"] == WORKER_POOL_ARGS
    assert [p["containerPort"] for p in sidecar["ports"]] == [WORKER_POOL_PORT]
    assert sidecar["livenessProbe"]["tcpSocket"]["port"] == WORKER_POOL_PORT


def _values(node, key: str):
    """Every value of ``key`` anywhere in a parsed YAML document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from _values(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from _values(item, key)


def test_every_mounted_claim_is_declared():
    claims = {d["metadata"]["name"] for d in _docs("k8s/storage.yaml")}
    docs = [d for p in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in _docs(f"k8s/{p.name}")]
    mounted = {claim for d in docs for claim in _values(d, "claimName")}
    assert mounted and mounted <= claims


def test_submitters_use_the_worker_pool_and_the_pinned_job_server():
    submitters = _submitters()
    assert len(submitters) >= 4, submitters.keys()
    known = set(PipelineOptions([]).get_all_options()) | JAVA_FLINK_OPTIONS
    for name, raw in submitters.items():
        args = _args(raw)
        assert set(args) <= known, f"{name}: unknown options {set(args) - known}"
        assert args["runner"] == "FlinkRunner", name
        # The jar fixes the Flink minor version; --flink_version only picks a jar to download.
        assert "flink_version" not in args, name
        assert args["flink_job_server_jar"] == IMAGE_JOB_SERVER_JAR, name
        assert "flink_submit_uber_jar" in args, name
        assert args["environment_type"] == "EXTERNAL", name
        assert args["environment_config"] == f"localhost:{WORKER_POOL_PORT}", name
        if "streaming" in args:
            assert int(args["checkpointing_interval"]) > 0, name
            assert args["kafka_bootstrap_servers"] and args["input_topic"], name
        else:
            assert args["input"] and args["output_dir"], name


def test_kubernetes_submitters_target_the_flink_deployment():
    deployment = _one("k8s/flink-session.yaml", "FlinkDeployment")
    rest = f"{deployment['metadata']['name']}-rest:8081"  # the operator's REST service
    for name, raw in _submitters().items():
        if name.startswith("compose:"):
            continue
        assert _args(raw)["flink_master"] == rest, name
        job = _one(f"k8s/{name}", "Job")
        assert job["spec"]["template"]["spec"]["containers"][0]["image"] == _worker_image()


def test_compose_stack_is_consistent():
    services = _docs("compose.yaml")[0]["services"]
    for name in ("jobmanager", "taskmanager"):
        assert services[name]["image"] == _flink_image(), name
    assert "8081:8081" in services["jobmanager"]["ports"]
    pool = services["beam-worker-pool"]
    assert pool["image"] == _worker_image()
    assert pool["entrypoint"] == WORKER_POOL
    assert pool["command"] == WORKER_POOL_ARGS
    assert pool["network_mode"] == "service:taskmanager"
    assert pool["build"]["dockerfile"] == "deploy/docker/Dockerfile"
    assert pool["build"]["args"] == {k: v for k, v in _versions().items() if k.startswith("FLINK")}
    for name, raw in _submitters().items():
        if name.startswith("compose:"):
            service = services[name.removeprefix("compose:")]
            assert service["image"] == _worker_image(), name
            assert _args(raw)["flink_master"] == "jobmanager:8081", name
    kafka_pom = ET.parse(DEPLOY / "local/kafka/pom.xml").getroot().find("m:properties", POM_NS)
    kafka_version = kafka_pom.find("m:kafka.version", POM_NS).text
    assert services["kafka"]["image"] == f"apache/kafka:{kafka_version}"
    streaming = _args(services["submit-streaming"]["command"])
    listeners = services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert f"//{streaming['kafka_bootstrap_servers']}" in listeners


@pytest.mark.parametrize("script", FLINK_SCRIPTS)
def test_local_scripts_are_valid_bash(script):
    subprocess.run(["bash", "-n", str(DEPLOY / "local" / script)], check=True)


def _task_slots() -> dict[str, int]:
    """The TaskManager's task slots of each cluster a submitter targets (k8s and compose)."""
    k8s = _one("k8s/flink-session.yaml", "FlinkDeployment")["spec"]["flinkConfiguration"]
    compose = _docs("compose.yaml")[0]["services"]["taskmanager"]["environment"]
    properties = dict(
        line.split(": ", 1) for line in compose["FLINK_PROPERTIES"].splitlines() if line
    )
    return {
        "k8s": int(k8s["taskmanager.numberOfTaskSlots"]),
        "compose": int(properties["taskmanager.numberOfTaskSlots"]),
    }


def test_submitters_start_one_python_worker_per_task_slot():
    # With one worker a stage, the subtasks of a TaskManager share one Python process and its
    # GIL: the README's Flink speed table.
    slots = _task_slots()
    for name, raw in _submitters().items():
        cluster = "compose" if name.startswith("compose:") else "k8s"
        assert int(_args(raw)["sdk_worker_parallelism"]) == slots[cluster], name
