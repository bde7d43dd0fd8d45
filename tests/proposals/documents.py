"""Documents made in the tests, as an NGO's files would be: DOCX (python-docx), ODT (odfdo), and
the hostile kinds an import must refuse. Small committed copies live in tests/proposals/fixtures/
(`python -m tests.proposals.documents` writes them again)."""

import io
import struct
import zipfile
import zlib
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# A 1×1 PNG, built by hand (signature, IHDR, IDAT, IEND).


def _png():
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = _png()

# A Romanian policy document whose headings name the H.G. 775/2005 sections.
POLICY_PARAGRAPH = "Organizațiile primesc finanțarea cu până la nouă luni întârziere."


def policy_docx(with_image=False):
    from docx import Document
    from docx.shared import Mm

    document = Document()
    document.add_heading("Politica locală de finanțare", level=0)
    document.add_paragraph("Documentul de față propune un calendar previzibil.")
    document.add_heading("1. Definirea problemei", level=1)
    paragraph = document.add_paragraph("Organizațiile primesc finanțarea ")
    paragraph.add_run("cu până la nouă luni").bold = True
    paragraph.add_run(" întârziere.")
    if with_image:
        image = io.BytesIO(PNG)
        document.add_picture(image, width=Mm(10))
    document.add_heading("2. Obiectivele politicii", level=1)
    document.add_paragraph("Plăți în avans", style="List Bullet")
    document.add_paragraph("Calendar anual publicat", style="List Bullet")
    document.add_heading("3. Variante de acțiune", level=1)
    paragraph = document.add_paragraph("Varianta recomandată este ")
    paragraph.add_run("calendarul unic").italic = True
    paragraph.add_run(".")
    table = document.add_table(rows=3, cols=2)
    for row, (option, cost) in enumerate(
        [("Varianta", "Cost anual"), ("Calendar unic", "0 lei"), ("Plăți în avans", "20.000 lei")]
    ):
        table.cell(row, 0).text = option
        table.cell(row, 1).text = cost
    document.add_heading("6. Monitorizare și evaluare", level=1)
    document.add_paragraph("Raport anual publicat în martie.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def policy_odt():
    from odfdo import Document, Header, List, Paragraph, Span, Style, Table

    document = Document("text")
    document.insert_style(Style("text", name="Bold", bold=True), automatic=True)
    body = document.body
    body.append(Header(1, "Definirea problemei"))
    paragraph = Paragraph("Organizațiile primesc finanțarea ")
    paragraph.append(Span("cu până la nouă luni", style="Bold"))
    paragraph.append(" întârziere.")
    body.append(paragraph)
    body.append(Header(1, "Obiective"))
    body.append(List(["Plăți în avans", "Calendar anual publicat"]))
    body.append(Header(1, "Opțiuni"))
    table = Table("Variante", width=2, height=2)
    for (column, row), value in {
        (0, 0): "Varianta",
        (1, 0): "Cost anual",
        (0, 1): "Calendar unic",
        (1, 1): "0 lei",
    }.items():
        table.set_value((column, row), value)
    body.append(table)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# The text of a law as copied from the legislation portal, in the legacy cedilla spelling.
LAW_350_CEDILLA = """LEGE nr. 350 din 2 decembrie 2005
privind regimul finanţărilor nerambursabile din fonduri publice
CAPITOLUL I
Dispoziţii generale
Articolul 4
Principiile pe baza cărora se atribuie contractele de finanţare nerambursabilă sunt:
a) libera concurenţă;
b) eficienţa utilizării fondurilor publice;
c) transparenţa.
Articolul 13
(1) Autoritatea finanţatoare are obligaţia să publice anunţul de participare.
(2) Anunţul se publică cu cel puţin 30 de zile înainte de data-limită.
Articolul 16
Contractul se încheie în termen de 10 zile de la comunicarea rezultatului.
Articolul 16^1
Plata se face în tranşe, conform contractului.
"""

LAW_BG = """ЗАКОН ЗА НОРМАТИВНИТЕ АКТОВЕ
Чл. 26. (1) Изработването на проект се извършва при зачитане на принципите на откритост.
(2) Преди внасянето проектът се публикува на интернет страницата.
(3) Срокът за предложения е не по-кратък от 30 дни.
1. по изключение;
2. с мотиви.
Чл. 26а. Справката се публикува заедно с проекта.
"""


def law_docx(text=LAW_350_CEDILLA):
    """The law's text in a DOCX, one paragraph a line (as Word keeps a pasted text)."""
    from docx import Document

    document = Document()
    for line in text.strip().split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- Long documents (the import benchmark, memory limits) -------------------------------------

WORDS = [
    "finanțarea",
    "nerambursabilă",
    "se",
    "acordă",
    "asociațiilor",
    "și",
    "fundațiilor",
    "pentru",
    "activități",
    "nonprofit",
    "de",
    "interes",
    "general",
    "în",
    "condițiile",
    "legii",
    "autoritatea",
    "finanțatoare",
    "stabilește",
    "procedura",
    "selecției",
    "publice",
    "prin",
    "ghidul",
    "solicitantului",
    "care",
    "cuprinde",
    "criteriile",
    "de",
    "evaluare",
    "contractul",
    "de",
    "finanțare",
    "raportările",
    "intermediare",
    "și",
    "finale",
    "sunt",
    "publice",
]


def big_docx(paragraphs=1000, words_per_paragraph=60, seed=350):
    """A long policy document: a heading every 25 paragraphs, a bulleted list every 8th, a
    table every 12th, bold runs; 1,000 paragraphs of 60 words are about 200 pages."""
    import random

    from docx import Document

    rng = random.Random(seed)

    def sentence(count):
        return " ".join(rng.choice(WORDS) for _ in range(count)).capitalize() + "."

    document = Document()
    for index in range(paragraphs):
        if index % 25 == 0:
            document.add_heading(f"Capitolul {index // 25 + 1}. {sentence(4)}", level=1)
        if index % 12 == 11:
            table = document.add_table(rows=4, cols=3)
            for row in table.rows:
                for cell in row.cells:
                    cell.text = sentence(4)
        elif index % 8 == 7:
            for _ in range(3):
                document.add_paragraph(sentence(words_per_paragraph // 3), style="List Bullet")
        else:
            paragraph = document.add_paragraph(sentence(words_per_paragraph // 2) + " ")
            paragraph.add_run(sentence(words_per_paragraph // 6)).bold = True
            paragraph.add_run(" " + sentence(words_per_paragraph // 3))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def law_docx_with_line_breaks(text=LAW_350_CEDILLA):
    """The law in ONE paragraph whose lines are separated by line breaks (Shift+Enter)."""
    from docx import Document

    document = Document()
    paragraph = document.add_paragraph()
    lines = text.strip().split("\n")
    for index, line in enumerate(lines):
        run = paragraph.add_run(line)
        if index < len(lines) - 1:
            run.add_break()  # a line break at the end of the run
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- Hostile files -----------------------------------------------------------------------------


def _rezip(data, *, add=None, replace=None, compression=zipfile.ZIP_DEFLATED):
    """A copy of a zip archive with entries added or replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as target:
        for info in source.infolist():
            if replace and info.filename in replace:
                target.writestr(info.filename, replace[info.filename])
            else:
                target.writestr(info, source.read(info))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return buffer.getvalue()


def docx_bomb(megabytes=300):
    """A DOCX with an entry that inflates to `megabytes` of zeros (a few hundred kB packed)."""
    buffer = io.BytesIO()
    base = zipfile.ZipFile(io.BytesIO(policy_docx()))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in base.infolist():
            target.writestr(info.filename, base.read(info))
        with target.open("word/media/padding.bin", "w") as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                member.write(block)
    return buffer.getvalue()


def docx_with_macros():
    return _rezip(policy_docx(), add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})


def odt_encrypted():
    data = policy_odt()
    manifest = zipfile.ZipFile(io.BytesIO(data)).read("META-INF/manifest.xml").decode()
    manifest = manifest.replace(
        'manifest:full-path="content.xml"',
        'manifest:full-path="content.xml"><manifest:encryption-data '
        'manifest:checksum-type="SHA1"/></manifest:file-entry><manifest:file-entry '
        'manifest:media-type="" manifest:full-path="x"',
        1,
    )
    return _rezip(data, replace={"META-INF/manifest.xml": manifest})


def odt_with_macros():
    return _rezip(
        policy_odt(),
        add={"Basic/Standard/Module1.xml": "<script:module>Sub Main\nEnd Sub</script:module>"},
    )


def ole_document(encrypted=False):
    """The start of an OLE compound file: an old .doc, or an encrypted OOXML document."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    stream = "EncryptedPackage" if encrypted else "WordDocument"
    return header + stream.encode("utf-16-le") + b"\0" * 1024


def write_fixtures():
    FIXTURES.mkdir(exist_ok=True)
    (FIXTURES / "politica-publica.docx").write_bytes(policy_docx())
    (FIXTURES / "politica-publica.odt").write_bytes(policy_odt())
    (FIXTURES / "legea-350-extras-sedila.txt").write_text(LAW_350_CEDILLA, encoding="utf-8")
    (FIXTURES / "zakon-chl-26.txt").write_text(LAW_BG, encoding="utf-8")


if __name__ == "__main__":
    write_fixtures()
