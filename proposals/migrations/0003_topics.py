from django.db import migrations

TOPICS = [
    ("civil-society", "Societate civilă și ONG-uri", "Гражданско общество и НПО", "Civil society and NGOs"),
    ("public-funding", "Finanțare publică nerambursabilă", "Публично безвъзмездно финансиране", "Public grants"),
    ("transparency", "Transparență decizională", "Прозрачност при вземане на решения", "Decision-making transparency"),
    ("education", "Educație", "Образование", "Education"),
    ("health", "Sănătate", "Здравеопазване", "Health"),
    ("social", "Protecție socială", "Социална защита", "Social protection"),
    ("environment", "Mediu", "Околна среда", "Environment"),
    ("urban", "Urbanism și mobilitate", "Градоустройство и мобилност", "Urban planning and mobility"),
    ("culture", "Cultură", "Култура", "Culture"),
    ("youth", "Tineret și sport", "Младеж и спорт", "Youth and sport"),
    ("economy", "Economie și fiscalitate", "Икономика и данъци", "Economy and taxation"),
    ("digital", "Digitalizare și date deschise", "Дигитализация и отворени данни", "Digital and open data"),
    ("justice", "Justiție", "Правосъдие", "Justice"),
    ("local-government", "Administrație locală", "Местно самоуправление", "Local government"),
]


def add_topics(apps, schema_editor):
    Topic = apps.get_model("proposals", "Topic")
    for slug, ro, bg, en in TOPICS:
        Topic.objects.update_or_create(slug=slug, defaults={"name_ro": ro, "name_bg": bg, "name_en": en})


class Migration(migrations.Migration):
    dependencies = [("proposals", "0002_revision_guard")]

    operations = [migrations.RunPython(add_topics, migrations.RunPython.noop)]
