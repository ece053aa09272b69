"""Today's hierarchy (two levels of local government from 1/7/2025): communes, dated school placements, commune
officers.

Each school's district and commune (free text) become its first placement, in force since 1/1/1900 (that is,
from before anything the installation holds): the district stays as the historical attribute it now is, and
``hocbaso place-schools`` moves every school to its new commune from 1/7/2025. A district officer's
account becomes a commune officer's that keeps its former district and sees nothing until given a commune
(the district's schools now belong to several communes; no one can tell which of them the officer serves).
Nothing issued changes: records carry the names they were issued under in their own data.
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Commune',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=5, unique=True, validators=[django.core.validators.RegexValidator('^\\d{5}$', 'Mã xã/phường phải gồm đúng 5 chữ số (Quyết định 19/2025/QĐ-TTg).', code='commune_code')], verbose_name='mã xã/phường')),
                ('name', models.CharField(help_text='Như được viết trong câu: xã Trường Xuân.', max_length=120, verbose_name='tên xã/phường')),
                ('authority_name', models.CharField(blank=True, help_text='Mặc định: UBND và tên xã/phường, ví dụ UBND xã Trường Xuân.', max_length=160, verbose_name='cơ quan quản lý trường')),
            ],
            options={
                'verbose_name': 'xã/phường',
                'ordering': ['province', 'name'],
            },
        ),
        migrations.CreateModel(
            name='SchoolPlacement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('since', models.DateField(verbose_name='từ ngày')),
                ('commune_name', models.CharField(blank=True, max_length=120, verbose_name='xã/phường (tên cũ)')),
            ],
            options={
                'verbose_name': 'nơi trường trực thuộc',
                'ordering': ['school', 'since'],
            },
        ),
        migrations.AlterField(
            model_name='province',
            name='code',
            field=models.CharField(max_length=4, unique=True, validators=[django.core.validators.RegexValidator('^\\d{2}$', 'Mã tỉnh phải gồm đúng 2 chữ số (Quyết định 19/2025/QĐ-TTg).', code='province_code')], verbose_name='mã tỉnh'),
        ),
        migrations.AddField(
            model_name='commune',
            name='province',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='communes', to='directory.province'),
        ),
        migrations.AddField(
            model_name='schoolplacement',
            name='commune',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='placements', to='directory.commune'),
        ),
        migrations.AddField(
            model_name='schoolplacement',
            name='district',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='placements', to='directory.district'),
        ),
        migrations.AddField(
            model_name='schoolplacement',
            name='province',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='placements', to='directory.province'),
        ),
        migrations.AddField(
            model_name='schoolplacement',
            name='school',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='placements', to='directory.school'),
        ),
        migrations.RemoveConstraint(
            model_name='staff',
            name='staff_one_organisation',
        ),
        migrations.AddField(
            model_name='staff',
            name='commune',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='staff', to='directory.commune'),
        ),
        migrations.AlterField(
            model_name='staff',
            name='district',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='staff', to='directory.district', verbose_name='Phòng GD&ĐT cũ'),
        ),
        migrations.AlterField(
            model_name='staffrole',
            name='role',
            field=models.CharField(choices=[('principal', 'Hiệu trưởng'), ('vice_principal', 'Phó hiệu trưởng'), ('homeroom_teacher', 'Giáo viên chủ nhiệm'), ('subject_teacher', 'Giáo viên bộ môn'), ('clerk', 'Văn thư'), ('commune_officer', 'Cán bộ UBND xã/phường'), ('province_officer', 'Cán bộ Sở GD&ĐT')], max_length=20, verbose_name='vai trò'),
        ),
    ]
