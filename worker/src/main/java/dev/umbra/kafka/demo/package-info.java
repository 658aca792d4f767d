/** The self-contained demo: embedded broker, default model, a worker, N prompts in, every result out and summarised. */
package dev.umbra.kafka.demo;
