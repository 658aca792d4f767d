/** The transport-free worker core: request validation, row expansion, batched inference and result assembly. */
package dev.umbra.worker;
