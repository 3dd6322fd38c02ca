# Kernels image: Jupyter Server + ipykernel + the analytics stack of kernels/requirements.txt (pinned), configured
# with kernels/jupyter_server_config.py (no terminals, no culling, no IOPub rate limit, TCP_NODELAY on kernel sockets).
# Folio's web and worker containers reach it as JUPYTER_URL with JUPYTER_TOKEN.
# Build from the repository root:  docker build -f docker/kernels.Dockerfile -t folio-kernels .
FROM python:3.11-slim-bookworm
RUN useradd --create-home --uid 1000 jovyan
COPY kernels/requirements.txt /opt/folio/requirements.txt
RUN pip install --no-cache-dir -r /opt/folio/requirements.txt
COPY kernels/jupyter_server_config.py /opt/folio/jupyter_server_config.py
USER jovyan
WORKDIR /home/jovyan/work
EXPOSE 8888
# The token comes from the JUPYTER_TOKEN environment variable (read by Jupyter's IdentityProvider), never argv.
CMD ["jupyter-server", "--config=/opt/folio/jupyter_server_config.py", "--ServerApp.ip=0.0.0.0", \
     "--ServerApp.port=8888", "--ServerApp.root_dir=/home/jovyan/work", "--no-browser"]
