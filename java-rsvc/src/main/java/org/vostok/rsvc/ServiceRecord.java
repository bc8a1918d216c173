package org.vostok.rsvc;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/**
 * What a node keeps beside each service replica's database: which class and service it is,
 * its replica id, and how it was founded. Written last when a replica is created (atomically:
 * a temporary file, fsync, rename, fsync of the directory), so that a directory without one is
 * a creation that did not finish.
 *
 * @param className the service class's name
 * @param serviceId the service
 * @param replicaId this replica's id (its rank is this node's id)
 * @param bootstrapVoters the founding voters when this replica founded the service, else empty
 * @param bootstrapArguments what the class's bootstrap takes
 */
public record ServiceRecord(String className, long serviceId, long replicaId, List<Long> bootstrapVoters,
                            ByteString bootstrapArguments) {

    static final String FILE = "service.properties";
    static final String POOL = "rdb.pool";
    private static final int FORMAT = 1;

    public ServiceRecord {
        Objects.requireNonNull(className, "className");
        bootstrapVoters = List.copyOf(bootstrapVoters);
        Objects.requireNonNull(bootstrapArguments, "bootstrapArguments");
    }

    static Path pool(Path directory) {
        return directory.resolve(POOL);
    }

    void write(Path directory) throws IOException {
        Properties p = new Properties();
        p.setProperty("format", Integer.toString(FORMAT));
        p.setProperty("class", className);
        p.setProperty("service-id", Long.toUnsignedString(serviceId));
        p.setProperty("replica-id", Long.toUnsignedString(replicaId));
        StringBuilder voters = new StringBuilder();
        for (long v : bootstrapVoters) {
            voters.append(voters.length() == 0 ? "" : ",").append(Long.toUnsignedString(v));
        }
        p.setProperty("bootstrap-voters", voters.toString());
        p.setProperty("bootstrap-arguments", Base64.getEncoder().encodeToString(bootstrapArguments.toByteArray()));
        Path tmp = directory.resolve(FILE + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "a replica of a Vostok replicated service; do not edit");
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, directory.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(directory);
    }

    static void syncDirectory(Path directory) throws IOException {
        try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Reads the record in {@code directory}; {@link IOException} saying what is wrong with it. */
    static ServiceRecord read(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no service record: the replica's creation did not"
                    + " finish");
        }
        try {
            int format = Integer.parseInt(required(p, "format", file));
            if (format != FORMAT) {
                throw new IOException(file + " has format " + format + "; this version reads format " + FORMAT);
            }
            List<Long> voters = new ArrayList<>();
            String v = p.getProperty("bootstrap-voters", "");
            if (!v.isBlank()) {
                for (String s : v.split(",")) {
                    voters.add(Long.parseUnsignedLong(s.trim()));
                }
            }
            return new ServiceRecord(required(p, "class", file), Long.parseUnsignedLong(required(p, "service-id", file)),
                    Long.parseUnsignedLong(required(p, "replica-id", file)), voters,
                    ByteString.copyFrom(Base64.getDecoder().decode(p.getProperty("bootstrap-arguments", ""))));
        } catch (NumberFormatException e) {
            throw new IOException(file + " is damaged: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is damaged: " + e.getMessage(), e);
        }
    }

    private static String required(Properties p, String key, Path file) throws IOException {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IOException(file + " has no '" + key + "'");
        }
        return v;
    }
}
