/**
 * Logging: the console's two formats ({@link dev.umbra.log.LogFormat}: readable text or JSON lines) and the request
 * and batch ids every log line of a request's or a batch's work carries ({@link dev.umbra.log.LogContext}).
 */
package dev.umbra.log;
