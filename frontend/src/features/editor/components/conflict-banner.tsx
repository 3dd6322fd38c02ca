import { Button } from '../../../components/ui/button';

export function ConflictBanner({ onReload, onOverwrite }: { onReload: () => void; onOverwrite: () => void }) {
  return (
    <div className="conflict-banner" role="alert" data-testid="conflict-banner">
      <strong>This notebook was changed elsewhere.</strong> Your recent edits are not saved. Reload to get the newer
      version (your unsaved edits are dropped), or overwrite it with yours (cells empty here keep the code saved
      elsewhere).
      <Button onClick={onReload} data-testid="conflict-reload">
        Reload
      </Button>
      <Button variant="danger" onClick={onOverwrite} data-testid="conflict-overwrite">
        Overwrite
      </Button>
    </div>
  );
}
