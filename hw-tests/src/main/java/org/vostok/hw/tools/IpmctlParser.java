package org.vostok.hw.tools;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Reads {@code ipmctl show -o nvmxml -dimm}. ipmctl has no JSON output; its {@code nvmxml}
 * format is a {@code <DimmList>} of {@code <Dimm>} elements with one child per attribute
 * ({@code DimmID}, {@code Capacity}, {@code HealthState}, {@code FWVersion}, ...). On a machine
 * without modules it prints a sentence instead, and exits 0.
 */
public final class IpmctlParser {

    private IpmctlParser() {
    }

    /** The modules listed; an empty list when ipmctl says there are none. */
    public static List<PmemModule> modules(String stdout) {
        int start = stdout.indexOf("<");
        if (start < 0 || !stdout.contains("<DimmList")) {
            String said = stdout.strip().lines().filter(l -> !l.isBlank()).findFirst().orElse("no output");
            if (saysNoModules(stdout)) {
                return List.of();
            }
            throw new ToolOutputException("ipmctl printed no module list: " + said);
        }
        Document document = parse(stdout.substring(start));
        List<PmemModule> modules = new ArrayList<>();
        NodeList dimms = document.getElementsByTagName("Dimm");
        for (int i = 0; i < dimms.getLength(); i++) {
            Element dimm = (Element) dimms.item(i);
            modules.add(new PmemModule(child(dimm, "DimmID", ""), child(dimm, "Capacity", "unknown"),
                    child(dimm, "HealthState", "Unknown"), child(dimm, "FWVersion", "unknown")));
        }
        return modules;
    }

    /** Whether ipmctl's words say the machine has no modules ("No PMem modules in the system."). */
    public static boolean saysNoModules(String output) {
        String lower = output.toLowerCase(Locale.ROOT);
        return lower.contains("no pmem modules") || lower.contains("no dcpmms") || lower.contains("no dimms");
    }

    private static Document parse(String xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            // A tool's output is data: no DTDs, no external entities.
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(new DefaultHandler()); // throws on fatal errors, prints nothing
            return builder.parse(new InputSource(new StringReader(xml)));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new ToolOutputException("ipmctl printed XML that does not parse: " + e.getMessage(), e);
        }
    }

    private static String child(Element parent, String name, String absent) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(name)) {
                String text = element.getTextContent().strip();
                return text.isEmpty() ? absent : text;
            }
        }
        return absent;
    }
}
