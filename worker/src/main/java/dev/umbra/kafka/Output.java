package dev.umbra.kafka;

import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One consumed record's output: the record to send (null: nothing, given up), a label for the log, and where it
 * goes instead when it cannot be sent: {@code smaller} when it is too large (null: no smaller form), else the
 * first of {@code fallbacks} when its topic will not take it.
 */
record Output(KafkaProducerRecord<byte[], byte[]> record, String what,
        Supplier<KafkaProducerRecord<byte[], byte[]>> smaller,
        List<Function<Throwable, KafkaProducerRecord<byte[], byte[]>>> fallbacks) {

    Output {
        fallbacks = List.copyOf(fallbacks);
    }

    /** An output that sends nothing: its record was given up (logged where that was decided). */
    Output givenUp() {
        return new Output(null, what, null, List.of());
    }
}
