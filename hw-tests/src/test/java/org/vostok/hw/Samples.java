package org.vostok.hw;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The tool outputs under {@code src/test/resources/samples}: written from the documented JSON and
 * XML shapes of ndctl, daxctl, ipmctl and nvme-cli (field names as those tools print them), and
 * fio's from fio 3.33 runs on a development machine.
 */
public final class Samples {
    private Samples() {
    }

    public static String read(String name) {
        try (InputStream in = Samples.class.getResourceAsStream("/samples/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no sample " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
