/**
 * oidc-provider's storage for the embedded provider: one `Map` per provider
 * instance, entries dropped when read past their expiry.
 *
 * oidc-provider's own memory adapter is shared by every provider in the
 * process and announces itself with a warning; this one is scoped to one
 * `startIdp()` call, so two providers in one test run never see each other's
 * sessions, and closing a provider frees its store. It keeps no timers, so
 * the test sanitizers see nothing pending.
 *
 * The method set is oidc-provider's adapter interface (`upsert`, `find`,
 * `findByUid`, `findByUserCode`, `consume`, `destroy`, `revokeByGrantId`).
 */

/** A stored artifact as oidc-provider hands it over. */
type Payload = Record<string, unknown> & {
  uid?: string;
  userCode?: string;
  grantId?: string;
  consumed?: number;
};

interface Entry {
  payload: Payload;
  /** Epoch ms after which the entry is gone; `Infinity` when no expiry was given. */
  expiresAt: number;
}

/** Returns an adapter class (what oidc-provider's `adapter` option takes) over a fresh store. */
export function createMemoryAdapter() {
  const store = new Map<string, Entry>();

  function read(key: string): Payload | undefined {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  return class MemoryAdapter {
    constructor(readonly model: string) {}

    #key(id: string): string {
      return `${this.model}:${id}`;
    }

    upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      const expiresAt = typeof expiresIn === "number"
        ? Date.now() + expiresIn * 1000
        : Infinity;
      store.set(this.#key(id), { payload, expiresAt });
      if (payload.uid) {
        store.set(`uid:${payload.uid}`, { payload: { id }, expiresAt });
      }
      if (payload.userCode) {
        store.set(`userCode:${payload.userCode}`, {
          payload: { id },
          expiresAt,
        });
      }
      return Promise.resolve();
    }

    find(id: string): Promise<Payload | undefined> {
      return Promise.resolve(read(this.#key(id)));
    }

    findByUid(uid: string): Promise<Payload | undefined> {
      const index = read(`uid:${uid}`);
      return Promise.resolve(
        index ? read(this.#key(String(index.id))) : undefined,
      );
    }

    findByUserCode(userCode: string): Promise<Payload | undefined> {
      const index = read(`userCode:${userCode}`);
      return Promise.resolve(
        index ? read(this.#key(String(index.id))) : undefined,
      );
    }

    consume(id: string): Promise<void> {
      const payload = read(this.#key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      return Promise.resolve();
    }

    destroy(id: string): Promise<void> {
      store.delete(this.#key(id));
      return Promise.resolve();
    }

    revokeByGrantId(grantId: string): Promise<void> {
      for (const [key, entry] of store) {
        if (entry.payload.grantId === grantId) store.delete(key);
      }
      return Promise.resolve();
    }
  };
}
