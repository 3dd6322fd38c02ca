# Jupyter Server configuration for the server Folio embeds (backend/src/embedded/jupyter-server.ts).
# Also usable for an external server (JUPYTER_URL): `jupyter server --config kernels/jupyter_server_config.py`.
#
# Folio drives kernels headlessly and manages their lifetimes itself (kernel pool, live sessions), so:
# no browser, no terminals, culling only as a safety net for kernels nobody is connected to, and no IOPub rate
# limiting (it would silently drop outputs that nbclient/papermill keep, breaking "outputs exactly as Jupyter").
c = get_config()  # type: ignore[name-defined]  # noqa: F821

c.ServerApp.open_browser = False
c.ServerApp.terminals_enabled = False


# Kernels run as the server's user and can read its runtime dir, so no file there may carry a credential: the
# server info file (jpserver-<pid>.json, which Folio reads for the port) gets the token blanked, and the
# browser-open files (a login URL with the token) are not written. (`no_browser_open_file` is not configurable in
# jupyter_server 2.x, hence the patch.) Folio sets ServerApp.cookie_secret itself, so no jupyter_cookie_secret file.
def _patch_runtime_files_without_token() -> None:
    from jupyter_server.serverapp import ServerApp

    if getattr(ServerApp, "_folio_no_token_files", False):
        return
    original_server_info = ServerApp.server_info

    def server_info(self):  # type: ignore[no-untyped-def]
        return {**original_server_info(self), "token": ""}

    def write_browser_open_files(self) -> None:  # type: ignore[no-untyped-def]
        return None

    ServerApp.server_info = server_info  # type: ignore[method-assign]
    ServerApp.write_browser_open_files = write_browser_open_files  # type: ignore[method-assign]
    ServerApp._folio_no_token_files = True  # type: ignore[attr-defined]


_patch_runtime_files_without_token()

# Culling: a safety net only. Folio shuts kernels down itself (pools, live sessions, FOLIO_IDLE_KERNEL_MINUTES); the
# culler is for a kernel whose shutdown failed (Folio dropped it but DELETE /api/kernels/:id did not get through) and,
# on an external server (JUPYTER_URL), for the kernels of a Folio process that died. The numbers:
# - cull_connected = False: a kernel with a websocket open is never culled. Folio keeps one open to every pooled and
#   live kernel it holds, idle or busy, so those are out of reach whatever the timeouts.
# - The idle clock restarts when a kernel's last client disconnects (patch below), so what the timeout measures is
#   "no client for that long". A kernel Folio still holds is without a connection only while @jupyterlab/services
#   reconnects its websocket: 7 attempts with random waits of up to 2^n - 1 s, about 2 minutes at worst, after which
#   it gives up and Folio treats the kernel as dead. cull_idle_timeout = 600 s is comfortably past that.
# - cull_busy = True: a kernel stuck in a loop after a failed shutdown burns a core; it is culled the same way (a busy
#   kernel that keeps sending output counts as active and stays).
# - cull_interval = 60 s: a leaked kernel is gone within ~11 minutes; a pass over the kernels costs next to nothing.
c.MappingKernelManager.cull_idle_timeout = 600
c.MappingKernelManager.cull_interval = 60
c.MappingKernelManager.cull_connected = False
c.MappingKernelManager.cull_busy = True


def _patch_idle_clock_restarts_on_disconnect() -> None:
    from jupyter_server._tz import utcnow
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager

    if getattr(MappingKernelManager, "_folio_idle_from_disconnect", False):
        return
    original_notify_disconnect = MappingKernelManager.notify_disconnect

    def notify_disconnect(self, kernel_id):  # type: ignore[no-untyped-def]
        original_notify_disconnect(self, kernel_id)
        kernel = self._kernels.get(kernel_id)
        if kernel is not None:
            kernel.last_activity = utcnow()

    MappingKernelManager.notify_disconnect = notify_disconnect  # type: ignore[method-assign]
    MappingKernelManager._folio_idle_from_disconnect = True  # type: ignore[attr-defined]


_patch_idle_clock_restarts_on_disconnect()
# Notice a dead kernel (os._exit, segfault, OOM kill) within a second instead of three, so a run that
# killed its kernel ends promptly with "kernel died".
c.KernelRestarter.time_to_dead = 1.0

# Exact outputs: deliver every IOPub message (nbclient talks ZMQ directly and has no such limit).
c.ZMQChannelsWebsocketConnection.limit_rate = False


# Nagle's algorithm: jupyter_server (1.x and, as checked, 2.21.1 too) never calls set_nodelay on the kernel
# websocket, so the several small frames of one execute (status busy, execute_input, result, status idle,
# execute_reply) can wait on delayed ACKs. Turn TCP_NODELAY on when a kernel websocket opens.
def _patch_kernel_websocket_nodelay() -> None:
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

    if getattr(KernelWebsocketHandler, "_folio_nodelay", False):
        return
    original_open = KernelWebsocketHandler.open

    async def open_with_nodelay(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.set_nodelay(True)
        return await original_open(self, *args, **kwargs)

    KernelWebsocketHandler.open = open_with_nodelay  # type: ignore[method-assign]
    KernelWebsocketHandler._folio_nodelay = True  # type: ignore[attr-defined]


_patch_kernel_websocket_nodelay()

# Kernels' working directories (backend/src/kernels/workdirs): Folio writes each run's and each live kernel's files
# through the Contents API into DATA_DIR/workspace/folio-runs/<run id> and folio-live/<server>/<kernel id>, and
# deletes the folder afterwards. So: deleting is for good (not to ~/.local/share/Trash, where every run would leave
# a copy), a folder goes with whatever the notebook's code wrote into it, and dotfiles (`.env`, `.config.json`) are
# files like any other. Set these on an external server (JUPYTER_URL) too.
c.FileContentsManager.delete_to_trash = False
c.FileContentsManager.always_delete_dir = True
c.ContentsManager.allow_hidden = True


# No checkpoints: Folio keeps notebooks and revisions in its store, never saves a notebook through this server, and
# Jupyter's file checkpoints make a `.ipynb_checkpoints` folder beside every file or folder deleted through the
# Contents API — in a kernel's working directory, where `os.listdir()` would show it.
def _no_checkpoints():  # type: ignore[no-untyped-def]
    from jupyter_server.services.contents.checkpoints import AsyncCheckpoints

    class NoCheckpoints(AsyncCheckpoints):
        async def create_checkpoint(self, contents_mgr, path):  # type: ignore[no-untyped-def]
            return {"id": "checkpoint", "last_modified": None}

        async def restore_checkpoint(self, contents_mgr, checkpoint_id, path):  # type: ignore[no-untyped-def]
            return None

        async def rename_checkpoint(self, checkpoint_id, old_path, new_path):  # type: ignore[no-untyped-def]
            return None

        async def delete_checkpoint(self, checkpoint_id, path):  # type: ignore[no-untyped-def]
            return None

        async def list_checkpoints(self, path):  # type: ignore[no-untyped-def]
            return []

    return NoCheckpoints


c.ContentsManager.checkpoints_class = _no_checkpoints()
