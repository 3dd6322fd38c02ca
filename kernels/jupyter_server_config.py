# Jupyter Server configuration for the server Folio embeds (backend/src/embedded/jupyter-server.ts).
# Also usable for an external server (JUPYTER_URL): `jupyter server --config kernels/jupyter_server_config.py`.
#
# Folio drives kernels headlessly and manages their lifetimes itself (kernel pool, live sessions), so:
# no browser, no terminals, no culling, and no IOPub rate limiting (it would silently drop outputs that
# nbclient/papermill keep, breaking "outputs exactly as Jupyter").
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

# Folio shuts kernels down itself; Jupyter must never cull a pooled kernel behind its back.
c.MappingKernelManager.cull_idle_timeout = 0
c.MappingKernelManager.cull_connected = False
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
