from django.db import migrations, models


class Migration(migrations.Migration):
    """A signing identity may be a remote account (VNPT SmartCA, Viettel MySign) linked by its holder."""

    dependencies = [
        ('signing', '0002_rekey'),
    ]

    operations = [
        migrations.AlterField(
            model_name='signingidentity',
            name='kind',
            field=models.CharField(choices=[('builtin', 'Chứng thư số do hệ thống cấp'), ('pkcs11', 'USB token / HSM (PKCS#11)'), ('csc', 'Ký số từ xa (CSC)'), ('remote', 'Ký số từ xa, xác nhận trên điện thoại (SmartCA, MySign)')], default='builtin', max_length=10),
        ),
    ]
