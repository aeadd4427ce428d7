import { app } from "./app.ts";

export { KeyObject } from "./keys/key-object.ts";
export { AccountObject } from "./tasks/account-object.ts";
export { TaskObject } from "./tasks/task-object.ts";
export { TaskWorkflow } from "./workflow/task-workflow.ts";

export default app;
