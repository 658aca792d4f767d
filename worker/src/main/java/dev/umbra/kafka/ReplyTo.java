package dev.umbra.kafka;

/**
 * Where a request's answer goes when it names a reply topic (request-reply); null where it does not (the results
 * topic).
 *
 * @param topic     the reply topic, already allowed by the worker's reply-topics pattern
 * @param partition its partition, or null for the one the key (request_id) picks
 */
record ReplyTo(String topic, Integer partition) {

    static ReplyTo of(CharSequence topic, Integer partition) {
        return topic == null ? null : new ReplyTo(topic.toString(), partition);
    }

    @Override
    public String toString() {
        return partition == null ? topic : topic + "-" + partition;
    }
}
