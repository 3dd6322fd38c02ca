import { useMe } from '../../features/auth/api/get-me';
import { RunningKernels } from '../../features/kernels/components/running-kernels';

export function KernelsPage() {
  const me = useMe();
  return <RunningKernels showOwners={me.data?.role === 'admin'} />;
}
