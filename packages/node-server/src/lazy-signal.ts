import { Code, ConnectError } from "@connectrpc/connect";
import { maxTimerMs } from "./deadline.js";

/**
 * An abort signal that costs nothing until someone reads it. Most unary
 * calls never look at their signal, and an AbortController (an EventTarget)
 * is among the most expensive things a call would otherwise allocate. The
 * first read of `signal` creates it, already aborted if the client went away
 * or the deadline passed, and arms the deadline timer from then on.
 *
 * It is only ever aborted with a ConnectError, so no DOMException is built.
 */
export class LazySignal {
  #controller: AbortController | undefined;
  #reason: ConnectError | undefined;
  #deadline: number | undefined;
  #timer: NodeJS.Timeout | undefined;

  /** Sets the deadline (an absolute `Date.now()` time) the signal aborts at. */
  setDeadline(at: number): void {
    this.#deadline = at;
  }

  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    if (this.#reason !== undefined) {
      controller.abort(this.#reason);
    } else if (this.#deadline !== undefined) {
      this.#arm(controller, this.#deadline);
    }
    return controller.signal;
  }

  /** Aborts `controller` at `deadline`, in steps no timer overflows (a deadline may be weeks away). */
  #arm(controller: AbortController, deadline: number): void {
    const left = deadline - Date.now();
    if (left <= 0) {
      controller.abort(deadlineExceeded());
      return;
    }
    this.#timer = setTimeout(() => this.#arm(controller, deadline), Math.min(left, maxTimerMs));
  }

  /** Aborts with `reason`. Later calls change nothing. */
  abort(reason: ConnectError): void {
    if (this.#controller) this.#controller.abort(reason);
    else this.#reason ??= reason;
  }

  /** Releases the deadline timer; call when the call is over. */
  done(): void {
    clearTimeout(this.#timer);
  }
}

function deadlineExceeded(): ConnectError {
  return new ConnectError("the operation timed out", Code.DeadlineExceeded);
}
