package dev.umbra.kafka;

import dev.umbra.decoder.DecodeOptions;
import dev.umbra.schemas.DecoderOptions;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PriorOutput;
import dev.umbra.worker.Answer;
import dev.umbra.worker.FloatArrayList;
import dev.umbra.worker.InferenceService;
import java.util.ArrayList;
import java.util.List;

/** An answer as a {@link PriorOutput} on the embeddings topic and back: what the prior role hands to decoders. */
final class PriorOutputs {

    private PriorOutputs() {}

    /** The prior's answer for the embeddings topic; stamps nothing (the decoder role hands the result off). */
    static PriorOutput of(Answer answer, ReplyTo replyTo) {
        List<List<Float>> negatives = new ArrayList<>();
        for (float[] negative : answer.negatives()) {
            negatives.add(new FloatArrayList(negative));
        }
        DecodeOptions o = answer.options();
        DecoderOptions options = o.equals(DecodeOptions.DEFAULTS) ? null : DecoderOptions.newBuilder()
                .setNumInferenceSteps(o.steps())
                .setGuidanceScale(o.guidance())
                .setWidth(o.width())
                .setHeight(o.height())
                .build();
        return PriorOutput.newBuilder()
                .setResult(answer.result())
                .setCreatedAt(answer.createdAt())
                .setNegativeEmbeddings(negatives)
                .setDecoderOptions(options)
                .setReplyTopic(replyTo == null ? null : replyTo.topic())
                .setReplyPartition(replyTo == null ? null : replyTo.partition())
                .build();
    }

    /**
     * The answer a decoder works on, ready as of {@code readyAtNanos}; the result now names {@code workerId}, the
     * worker that will publish it.
     */
    static Answer toAnswer(PriorOutput output, String workerId, long readyAtNanos) {
        ImageResult result = output.getResult();
        result.setWorkerId(workerId);
        List<float[]> negatives = output.getNegativeEmbeddings().stream().map(FloatArrayList::values).toList();
        return new Answer(result, output.getCreatedAt(), readyAtNanos, negatives,
                InferenceService.decodeOptions(output.getDecoderOptions()));
    }
}
