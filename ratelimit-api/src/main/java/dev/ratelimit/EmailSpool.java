package dev.ratelimit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of addresses no store could take. Each line is
 * {@code 1<TAB>capturedµs<TAB>address<TAB>source<TAB>crc32}, appended and flushed to disk
 * ({@code fdatasync}) before {@link #append} returns; concurrent appenders share one flush (group
 * commit). Delivery takes the file aside ({@link #takeForDelivery}) so that appends go on into a
 * fresh one; a crash during delivery leaves the taken file, which the next start delivers again
 * (adding is idempotent). A line that fails its checksum (a torn write, a corrupted disk) is
 * reported and skipped.
 */
final class EmailSpool {

    private static final Logger LOG = LoggerFactory.getLogger(EmailSpool.class);

    /** One spooled address. */
    record Entry(String address, @Nullable String source, Instant capturedAt) {}

    private final Path file;
    private final Path directory;
    private final Object writeLock = new Object();
    private final Object flushLock = new Object();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong flushed = new AtomicLong();
    private FileChannel channel;
    private int takes;

    EmailSpool(Path file) {
        this.file = file.toAbsolutePath();
        this.directory = Objects.requireNonNull(this.file.getParent(), "a spool file needs a directory");
        try {
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory, ownerOnly(PosixFilePermissions.fromString("rwx------")));
            }
            this.channel = open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the email spool " + this.file, e);
        }
    }

    private FileChannel open() throws IOException {
        return FileChannel.open(
                file,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
                ownerOnly(OWNER_READ_WRITE));
    }

    private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");

    /** Spool files hold addresses: on POSIX file systems only their owner may read them. */
    private static FileAttribute<?>[] ownerOnly(Set<PosixFilePermission> permissions) {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                : new FileAttribute<?>[0];
    }

    /**
     * Removes every entry {@code erased} accepts from the spool — the file being appended to and
     * every file awaiting delivery — rewriting each affected file through a flushed temporary copy
     * that replaces it atomically; corrupt lines are kept as they are. Returns whether any entry was
     * removed. The caller keeps delivery from running meanwhile.
     */
    boolean erase(Predicate<Entry> erased) {
        try {
            synchronized (writeLock) {
                channel.force(false);
                flushed.accumulateAndGet(written.get(), Math::max);
                boolean any = false;
                for (Path path : files()) {
                    boolean current = path.equals(file);
                    if (rewrite(path, erased)) {
                        any = true;
                        if (current) {
                            channel.close();
                            channel = open();
                        }
                    }
                }
                return any;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot erase an address from the email spool " + file, e);
        }
    }

    private boolean rewrite(Path path, Predicate<Entry> erased) throws IOException {
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        List<String> kept = new ArrayList<>(lines.size());
        for (String line : lines) {
            Entry entry = decode(line);
            if (entry == null || !erased.test(entry)) {
                kept.add(line);
            }
        }
        if (kept.size() == lines.size()) {
            return false;
        }
        Path temporary = path.resolveSibling(path.getFileName() + ".erasing");
        try (FileChannel out = FileChannel.open(
                temporary,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE),
                ownerOnly(OWNER_READ_WRITE))) {
            ByteBuffer bytes = ByteBuffer.wrap(
                    (kept.isEmpty() ? "" : String.join("\n", kept) + "\n").getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        }
        Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return true;
    }

    /** The file being appended to and the files awaiting delivery. */
    private List<Path> files() throws IOException {
        List<Path> all = new ArrayList<>();
        all.add(file);
        all.addAll(awaiting());
        return all;
    }

    /** The files taken for delivery and not yet delivered, oldest first (an interrupted erasure's copy is not one). */
    private List<Path> awaiting() throws IOException {
        String prefix = file.getFileName() + ".delivering-";
        try (Stream<Path> siblings = Files.list(directory)) {
            return siblings.filter(p -> {
                        String name = p.getFileName().toString();
                        return name.startsWith(prefix) && !name.endsWith(".erasing");
                    })
                    .sorted()
                    .toList();
        }
    }

    /**
     * Appends {@code entry} and returns once it is on disk. The two locks are never held together:
     * {@code writeLock} orders the writes (and a rotation), {@code flushLock} lets one thread's
     * flush cover every line written before it.
     */
    void append(Entry entry) {
        ByteBuffer line = ByteBuffer.wrap(encode(entry).getBytes(StandardCharsets.UTF_8));
        long mine;
        FileChannel target;
        try {
            synchronized (writeLock) {
                while (line.hasRemaining()) {
                    channel.write(line);
                }
                mine = written.incrementAndGet();
                target = channel;
            }
            synchronized (flushLock) {
                if (flushed.get() < mine) {
                    long upTo = written.get();
                    try {
                        target.force(false);
                    } catch (ClosedChannelException rotated) {
                        // takeForDelivery flushed this file before closing it; wait for it to finish.
                        synchronized (writeLock) {
                            if (flushed.get() < mine) {
                                throw rotated;
                            }
                        }
                    }
                    flushed.accumulateAndGet(upTo, Math::max);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the email spool " + file, e);
        }
    }

    /**
     * Moves the current spool aside, if it holds anything, and returns every file awaiting
     * delivery (left over from a crash, or just taken), oldest first.
     */
    List<Path> takeForDelivery() {
        try {
            synchronized (writeLock) {
                if (channel.size() > 0) {
                    channel.force(false);
                    flushed.accumulateAndGet(written.get(), Math::max);
                    channel.close();
                    Path taken = file.resolveSibling(
                            file.getFileName() + ".delivering-" + System.currentTimeMillis() + "-" + ++takes);
                    Files.move(file, taken, StandardCopyOption.ATOMIC_MOVE);
                    channel = open();
                }
            }
            return awaiting();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot take the email spool " + file + " for delivery", e);
        }
    }

    /** The number of entries waiting (corrupt lines not counted): appended, or in files not yet delivered. */
    long size() {
        try {
            long entries = 0;
            synchronized (writeLock) {
                for (Path path : files()) {
                    for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
                        entries += decode(line) == null ? 0 : 1;
                    }
                }
            }
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the email spool " + file, e);
        }
    }

    /** Whether anything waits: appended lines or files taken and not yet delivered. */
    boolean isEmpty() {
        try {
            synchronized (writeLock) {
                if (channel.size() > 0) {
                    return false;
                }
            }
            return awaiting().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads a taken file; corrupt or truncated lines are reported and skipped. */
    static List<Entry> read(Path taken) {
        List<String> lines;
        try {
            lines = Files.readAllLines(taken, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the email spool " + taken, e);
        }
        List<Entry> entries = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            Entry entry = decode(lines.get(i));
            if (entry == null) {
                LOG.warn("line {} of the email spool {} is corrupt or truncated and was skipped", i + 1, taken);
            } else {
                entries.add(entry);
            }
        }
        return entries;
    }

    /** Deletes a delivered file. */
    static void delivered(Path taken) {
        try {
            Files.deleteIfExists(taken);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the delivered email spool " + taken, e);
        }
    }

    Path file() {
        return file;
    }

    void close() {
        synchronized (writeLock) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.warn("closing the email spool {} failed", file, e);
            }
        }
    }

    static String encode(Entry entry) {
        long micros = Durations.micros(entry.capturedAt());
        String body = "1\t" + micros + "\t" + entry.address() + "\t" + (entry.source() == null ? "" : entry.source());
        return body + "\t" + crc(body) + "\n";
    }

    static @Nullable Entry decode(String line) {
        int last = line.lastIndexOf('\t');
        if (last < 0) {
            return null;
        }
        String body = line.substring(0, last);
        if (!line.substring(last + 1).equals(crc(body))) {
            return null;
        }
        String[] fields = body.split("\t", -1);
        if (fields.length != 4 || !fields[0].equals("1")) {
            return null;
        }
        try {
            long micros = Long.parseLong(fields[1]);
            return new Entry(fields[2], fields[3].isEmpty() ? null : fields[3], Durations.instant(micros));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String crc(String body) {
        CRC32 crc = new CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return Long.toHexString(crc.getValue());
    }
}
