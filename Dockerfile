# Worker image for Dataflow (or any portable Beam runner): the Beam SDK image of the pinned
# version, plus mmcorpus and its dependencies. Build and push, then run with
#   --sdk_container_image REGION-docker.pkg.dev/PROJECT/REPO/mmcorpus:0.1.0 --experiments use_runner_v2
FROM apache/beam_python3.11_sdk:2.77.0

WORKDIR /opt/mmcorpus
COPY pyproject.toml setup.py README.md ./
COPY mmcorpus ./mmcorpus
COPY pipelines ./pipelines
COPY schemas ./schemas
RUN pip install --no-cache-dir ".[gcp]" && python -c "import mmcorpus.filters.language as l; l.bundled_model_path()"

# The SDK image's entrypoint starts the Beam worker harness; keep it.
