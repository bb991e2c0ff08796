/**
 * Typed events in the style of cockatiel: a component keeps its `EventEmitter` private and
 * exposes `onX: Event<T>`; subscribing returns a disposable.
 */
export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (value: T) => void) => Disposable;

export class EventEmitter<T> {
  private readonly listeners = new Set<(value: T) => void>();

  readonly addListener: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  emit(value: T): void {
    for (const l of this.listeners) l(value);
  }
}
