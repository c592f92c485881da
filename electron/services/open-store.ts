import { CatalogIndex } from '../../server/catalog/catalog-index.js';
import type { BerthConfig } from '../../server/config.js';
import { openStore } from '../../server/runtime/registry.js';
import type { RegistryEvents } from '../../server/storage/repo-store.js';
import type { Store } from '../../server/storage/store.js';
import type { BerthEvent } from '../shared/bridge.js';

/**
 * The store of the storage folder the settings name, with its catalog index. A change of folder opens a new
 * store; its pushes and deletions keep reaching the services' events, so listeners never resubscribe.
 */
export class OpenStore {
  private opened: { store: Store; catalog: CatalogIndex } | undefined;

  constructor(
    private readonly publish: (event: BerthEvent) => void,
    private readonly catalogRefreshMs = 3000,
  ) {}

  private readonly forwardPushed: RegistryEvents['pushed'] = (e) =>
    this.publish({ type: 'pushed', repository: e.repository, digest: e.digest, ...(e.tag !== undefined ? { tag: e.tag } : {}) });
  private readonly forwardDeleted: RegistryEvents['deleted'] = (e) => this.publish({ type: 'deleted', ...e });

  /** Opens the store `config.storage` names, closing the one open before. */
  open(config: BerthConfig): void {
    this.close();
    const store = openStore(config);
    const catalog = new CatalogIndex(store, { refreshIntervalMs: this.catalogRefreshMs });
    store.events.on('pushed', this.forwardPushed);
    store.events.on('deleted', this.forwardDeleted);
    this.opened = { store, catalog };
  }

  get store(): Store {
    return this.current().store;
  }

  get catalog(): CatalogIndex {
    return this.current().catalog;
  }

  /** Stops following the store; what is open stays readable (a call racing the shutdown still answers). */
  close(): void {
    if (!this.opened) return;
    this.opened.store.events.off('pushed', this.forwardPushed);
    this.opened.store.events.off('deleted', this.forwardDeleted);
    this.opened.catalog.close();
  }

  private current(): { store: Store; catalog: CatalogIndex } {
    if (!this.opened) throw new Error('no store is open yet');
    return this.opened;
  }
}
