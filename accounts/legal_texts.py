# ruff: noqa: E501  (the texts are Markdown, one paragraph or list item a line)
"""The first version of the terms of use and of the privacy notice, in the three languages.

The migration `0004_first_legal_texts` publishes them, so that every installation has texts to
show at sign-up from the start; later versions are published through the admin
(`accounts.domain.publish_legal_text`).
"""

from django.utils import timezone

TERMS = {
    "ro": """Consult este o platformă pe care organizațiile publică propuneri de politici publice și organizează consultări publice asupra lor.

- Citirea nu necesită cont. Pentru a comenta, a răspunde, a reacționa sau a urmări o consultare aveți nevoie de un cont cu o adresă de e-mail confirmată.
- Comentariile dumneavoastră sunt publice: oricine le poate citi, alături de numele afișat, și rămân în istoricul consultării. Vă puteți retrage un comentariu pe care l-ați scris.
- Organizația care conduce o consultare răspunde fiecărui comentariu și publică o sinteză. Textul final poate fi trimis unei autorități publice împreună cu această sinteză.
- Scrieți sub numele dumneavoastră sau sub un nume după care sunteți cunoscut. Nu publicați conținut ilegal, insulte sau datele personale ale altor persoane; moderatorii pot ascunde astfel de comentarii, cu un motiv afișat public.
- Versiunile noi ale acestor condiții sunt publicate pe această pagină; versiunile anterioare rămân disponibile.
""",
    "bg": """Consult е платформа, на която организациите публикуват предложения за публични политики и провеждат обществени консултации по тях.

- За четене не е нужен акаунт. За да коментирате, отговаряте, реагирате или следите консултация, Ви е нужен акаунт с потвърден имейл адрес.
- Вашите коментари са публични: всеки може да ги прочете заедно с публичното Ви име и те остават в историята на консултацията. Можете да оттеглите коментар, който сте написали.
- Организацията, която провежда консултацията, отговаря на всеки коментар и публикува справка. Окончателният текст може да бъде изпратен на публичен орган заедно с тази справка.
- Пишете от свое име или под име, с което Ви познават. Не публикувайте незаконно съдържание, обиди или лични данни на други хора; модераторите могат да скрият такива коментари, като причината се показва публично.
- Новите версии на тези условия се публикуват на тази страница; предишните версии остават достъпни.
""",
    "en": """Consult is a platform where organisations publish public-policy proposals and run public consultations on them.

- Reading needs no account. To comment, reply, react or follow a consultation you need an account with a confirmed email address.
- Your comments are public: anyone can read them, next to your display name, and they stay in the consultation's record. You can withdraw a comment you wrote.
- The organisation running a consultation answers every comment and publishes a synthesis. The final text may be sent to a public authority together with that synthesis.
- Write under your own name or a name people know you by. Do not publish anything unlawful, insults or other people's personal data; moderators may hide such comments, with a reason shown publicly.
- New versions of these terms are published on this page; earlier versions stay available.
""",
}

PRIVACY = {
    "ro": """**Ce păstrăm.** Adresa de e-mail și parola (doar amprenta ei criptografică), numele afișat, localitatea și categoria de respondent, dacă le completați, limba aleasă, organizațiile al căror membru sunteți, ce scrieți și ce faceți pe platformă și momentul în care ați acceptat aceste texte.

**De ce.** Pentru a vă administra contul, a publica comentariile sub numele afișat, a vă trimite e-mailurile pe care le-ați cerut (confirmări, consultările pe care le urmăriți) și a număra participanții pe categorii în rapoartele consultărilor.

**Ce este public.** Numele afișat, comentariile, răspunsurile și reacțiile. Adresa de e-mail nu este afișată niciodată.

**Cine le primește.** Sinteza unei consultări și propunerea finală trimisă unei autorități publice conțin comentariile, cu numele afișate. Nu vindem date și nu le folosim pentru publicitate.

**Drepturile dumneavoastră.** Pe pagina „Datele mele” puteți descărca tot ce păstrăm despre dumneavoastră. Vă puteți modifica oricând profilul și vă puteți șterge contul: adresa de e-mail, numele și celelalte date personale se șterg, iar comentariile publice rămân în istoricul consultării ca venind de la un cont șters. Puteți depune o plângere la Autoritatea Națională de Supraveghere a Prelucrării Datelor cu Caracter Personal (ANSPDCP).
""",
    "bg": """**Какво съхраняваме.** Имейл адреса и паролата (само нейния криптографски отпечатък), публичното име, населеното място и категорията участник, ако ги попълните, избрания език, организациите, в които членувате, какво пишете и правите в платформата и кога сте приели тези текстове.

**Защо.** За да поддържаме акаунта Ви, да публикуваме коментарите Ви под публичното Ви име, да Ви изпращаме имейлите, които сте поискали (потвърждения, консултациите, които следите), и да броим участниците по категории в докладите за консултациите.

**Какво е публично.** Публичното име, коментарите, отговорите и реакциите. Имейл адресът Ви никога не се показва.

**Кой ги получава.** Справката за консултацията и окончателното предложение, изпратено на публичен орган, съдържат коментарите с публичните имена. Не продаваме данни и не ги използваме за реклама.

**Вашите права.** На страницата „Моите данни“ можете да изтеглите всичко, което съхраняваме за Вас. Можете по всяко време да промените профила си и да изтриете акаунта си: имейл адресът, името и другите лични данни се изтриват, а публичните коментари остават в историята на консултацията като написани от изтрит акаунт. Можете да подадете жалба до Комисията за защита на личните данни (КЗЛД).
""",
    "en": """**What we keep.** Your email address and password (only its cryptographic hash), your display name, locality and respondent category if you give them, your language, the organisations you are a member of, what you write and do on the platform, and when you accepted these texts.

**Why.** To run your account, publish your comments under your display name, send you the emails you asked for (confirmations, the consultations you follow) and count participants by category in consultation reports.

**What is public.** Your display name, comments, replies and reactions. Your email address is never shown.

**Who receives it.** A consultation's synthesis and the final proposal sent to a public authority contain the comments, with display names. We sell no data and use none for advertising.

**Your rights.** On the "My data" page you can download everything we keep about you. You can change your profile at any time and delete your account: your email address, name and other personal data are erased, and your public comments stay in the consultation's record as from a deleted account. You can complain to your data-protection authority (ANSPDCP in Romania, the Commission for Personal Data Protection in Bulgaria).
""",
}


def publish_first_versions(legal_text_model):
    """Publish version 1 of each text that has none yet (`legal_text_model`: the model, or the
    migration's historical model). Side effects: up to two `LegalText` rows.

    Published at a whole second: a copy of the rows (Django's serializers keep milliseconds)
    then writes them back unchanged, which the PostgreSQL guard lets through."""
    now = timezone.now().replace(microsecond=0)
    for kind, texts in (("terms", TERMS), ("privacy", PRIVACY)):
        if not legal_text_model.objects.filter(kind=kind).exists():
            legal_text_model.objects.create(
                kind=kind,
                version=1,
                published_at=now,
                text_ro=texts["ro"],
                text_bg=texts["bg"],
                text_en=texts["en"],
            )
