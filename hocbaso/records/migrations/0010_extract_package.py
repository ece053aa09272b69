from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0009_extract_log'),
    ]

    operations = [
        migrations.AlterField(
            model_name='extract',
            name='form',
            field=models.CharField(choices=[('pdf', 'Tệp PDF đã ký số'), ('xml', 'Dữ liệu XML có chữ ký số'), ('json', 'Dữ liệu JSON (API)'), ('certified_copy', 'Bản sao học bạ (có chữ ký của hiệu trưởng)'), ('package', 'Gói hồ sơ có đóng dấu (chuyển trường, nộp cơ quan quản lý)')], max_length=20),
        ),
    ]
