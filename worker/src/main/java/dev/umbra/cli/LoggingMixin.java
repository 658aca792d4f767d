package dev.umbra.cli;

import dev.umbra.log.LogFormat;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --log-format}, applied by {@link UmbraCommand} before the command runs. Commands without it (generate,
 * eval...) follow {@code UMBRA_LOG_FORMAT}.
 */
final class LoggingMixin {

    static final String OPTION = "--log-format";

    @Option(names = OPTION, paramLabel = "text|json", defaultValue = "text", converter = FormatConverter.class,
            description = "text: one readable line per event, with [req=... batch=...] where they apply; json: one JSON"
                    + " object per line (timestamp, level, threadName, loggerName, mdc with request_id and batch_id,"
                    + " formattedMessage, throwable). Default: ${DEFAULT-VALUE}.")
    LogFormat format;

    static final class FormatConverter implements CommandLine.ITypeConverter<LogFormat> {
        @Override
        public LogFormat convert(String value) {
            try {
                return LogFormat.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
