// See build/ajv.js: the SDK only reaches ajv-formats through the ajv validator this server does not use.
export { addFormats as default } from "./ajv.js";
