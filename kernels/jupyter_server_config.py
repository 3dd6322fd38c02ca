# Jupyter Server configuration for the server Folio embeds (backend/src/embedded/jupyter-server.ts).
# Also usable for an external server (JUPYTER_URL): `jupyter server --config kernels/jupyter_server_config.py`.
#
# Folio drives kernels headlessly and manages their lifetimes itself (kernel pool, live sessions), so:
# no browser, no terminals, no culling, and no IOPub rate limiting (it would silently drop outputs that
# nbclient/papermill keep, breaking "outputs exactly as Jupyter").
c = get_config()  # type: ignore[name-defined]  # noqa: F821

c.ServerApp.open_browser = False
c.ServerApp.terminals_enabled = False

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
