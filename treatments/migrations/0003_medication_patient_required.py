import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every medication now has its patient (filled by 0002): the column becomes required."""

    dependencies = [
        ("patients", "0001_initial"),
        ("treatments", "0002_current_medication_list"),
    ]

    operations = [
        migrations.AlterField(
            model_name="medication",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="medications", to="patients.patient"
            ),
        ),
    ]
