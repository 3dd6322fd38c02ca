import { silenceServicesChatter } from '../src/logger';

// Every backend test file: @jupyterlab/services' routine console chatter ("Starting WebSocket …", "Kernel: idle …")
// is dropped; anything else printed still shows.
silenceServicesChatter();
