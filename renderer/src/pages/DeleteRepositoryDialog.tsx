import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';

export function DeleteRepositoryDialog({ repository, tagCount, onClose, onDeleted }: { repository: string; tagCount?: number | undefined; onClose(): void; onDeleted?(): void }) {
  const { client } = useApp();
  const notify = useNotify();
  return (
    <ConfirmDialog
      title={`Delete repository ${repository}?`}
      word={repository}
      actionLabel="Delete repository"
      onClose={onClose}
      onConfirm={async () => {
        await client.deleteRepository({ repository });
        notify(`Deleted ${repository}. Disk space comes back after a garbage collection (Storage → Reclaim space).`);
        onDeleted?.();
      }}
    >
      <p>
        This removes every tag and manifest of <strong>{repository}</strong>
        {tagCount !== undefined ? ` (${tagCount} ${tagCount === 1 ? 'tag' : 'tags'})` : ''} and the repository itself. It cannot be undone.
      </p>
    </ConfirmDialog>
  );
}
