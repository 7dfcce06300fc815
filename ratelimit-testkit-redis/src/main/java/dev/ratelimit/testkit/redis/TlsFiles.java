package dev.ratelimit.testkit.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A throw-away certificate authority and a server certificate it signed, for {@code localhost},
 * {@code 127.0.0.1} and {@code ::1}, as PEM files. Generated with the JDK's own {@code keytool}, so
 * no other tool is needed.
 *
 * @param caCertificate the authority's certificate: what a client trusts
 * @param certificate the server's certificate
 * @param privateKey the server's private key (PKCS#8)
 */
public record TlsFiles(Path caCertificate, Path certificate, Path privateKey) {

    private static final String PASSWORD = "testkit-only";

    /**
     * Generates a new authority and server certificate in {@code dir}, valid for 2 days.
     *
     * @param dir where the files are written, made if missing; a fresh one for each call, since
     *     {@code keytool} refuses the keys an earlier call left there
     * @return the PEM files: {@code ca.crt}, {@code server.crt} and {@code server.key} in {@code dir}
     * @throws java.io.UncheckedIOException if {@code keytool} fails or a file cannot be written
     */
    public static TlsFiles generate(Path dir) {
        try {
            Files.createDirectories(dir);
            Path ca = dir.resolve("ca.p12");
            Path server = dir.resolve("server.p12");
            keytool(
                    dir,
                    "-genkeypair",
                    "-alias",
                    "ca",
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=ratelimit testkit CA",
                    "-ext",
                    "bc:c",
                    "-validity",
                    "2",
                    "-keystore",
                    ca.toString());
            keytool(
                    dir,
                    "-genkeypair",
                    "-alias",
                    "server",
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=localhost",
                    "-validity",
                    "2",
                    "-keystore",
                    server.toString());
            keytool(
                    dir,
                    "-certreq",
                    "-alias",
                    "server",
                    "-keystore",
                    server.toString(),
                    "-file",
                    dir.resolve("server.csr").toString());
            keytool(
                    dir,
                    "-gencert",
                    "-alias",
                    "ca",
                    "-keystore",
                    ca.toString(),
                    "-infile",
                    dir.resolve("server.csr").toString(),
                    "-outfile",
                    dir.resolve("server.crt").toString(),
                    "-ext",
                    "SAN=dns:localhost,ip:127.0.0.1,ip:::1",
                    "-validity",
                    "2",
                    "-rfc");
            keytool(
                    dir,
                    "-exportcert",
                    "-alias",
                    "ca",
                    "-keystore",
                    ca.toString(),
                    "-rfc",
                    "-file",
                    dir.resolve("ca.crt").toString());
            Path key = dir.resolve("server.key");
            Files.writeString(key, pem("PRIVATE KEY", privateKey(server).getEncoded()), StandardCharsets.US_ASCII);
            return new TlsFiles(dir.resolve("ca.crt"), dir.resolve("server.crt"), key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void keytool(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-noprompt"));
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static PrivateKey privateKey(Path keystore) throws IOException {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            return (PrivateKey) store.getKey("server", PASSWORD.toCharArray());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the generated key", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
