package dev.umbra.worker;

/** The outcome of receiving a decoded request: queue it for inference, or answer it at once. */
public sealed interface Admission permits Admission.Accepted, Admission.Answered {

    /** Valid and in time: hand {@link #job()} to the batcher, weighing {@link InferenceJob#rows()}. */
    record Accepted(InferenceJob job) implements Admission {}

    /** Rejected or already expired: publish {@link #answer()}; nothing runs. */
    record Answered(Answer answer) implements Admission {}
}
