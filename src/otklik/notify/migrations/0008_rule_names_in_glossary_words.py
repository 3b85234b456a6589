"""The default notification rules' names in the glossary's words (issue 14): «обращение», not
«заявка»; «служебная заметка»; «автор рекламации», not «заявитель». Only rules still named as the
earlier migrations named them are renamed: a name an administrator chose is kept."""

from django.db import migrations

RENAMED = [
    ("Новая заявка → исполнитель и диспетчер группы", "Новое обращение → исполнитель и диспетчер группы"),
    (
        "Внутренняя заметка → исполнитель и наблюдатели из поддержки",
        "Служебная заметка → исполнитель и наблюдатели из поддержки",
    ),
    ("Срок близко → исполнитель", "Срок подходит → исполнитель"),
    ("Вход в систему → сводка ожидающего реакции", "Вход в систему → что ждёт реакции"),
    (
        "Новая рекламация → руководители поддержки и руководитель группы",
        "Новая рекламация → руководители службы поддержки и руководитель группы",
    ),
    ("Рекламация принята к рассмотрению → заявитель", "Рекламация принята к рассмотрению → автор рекламации"),
    ("Ответ на рекламацию → заявитель", "Ответ на рекламацию → автор рекламации"),
    (
        "Срок по рекламации нарушен → руководители поддержки",
        "Срок по рекламации нарушен → руководители службы поддержки",
    ),
    (
        "Ежемесячный отчёт о качестве → руководители групп и поддержки",
        "Ежемесячный отчёт о качестве → руководители групп и службы поддержки",
    ),
]


def rename(apps, schema_editor):
    Rule = apps.get_model("notify", "Rule")
    for old, new in RENAMED:
        Rule.objects.filter(name=old).update(name=new)


def restore(apps, schema_editor):
    Rule = apps.get_model("notify", "Rule")
    for old, new in RENAMED:
        Rule.objects.filter(name=new).update(name=old)


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0007_schedule_task_form"),
    ]

    operations = [migrations.RunPython(rename, restore)]
