// The wire shapes of the device command routes, as tests read them.

/** `POST /account/devices/invoke_command`. */
export interface InvokeResponse {
  enqueued: boolean;
  notified: boolean;
  notifyError?: string;
}

/** `GET /account/device/commands`. */
export interface Page {
  index: number;
  last: boolean;
  messages: Array<{ index: number; data: { command: string; payload: Record<string, unknown>; sender?: string } }>;
}
