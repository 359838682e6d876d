"""Country names in English and eleven other languages, one `CODE name` per line.

Taken from the country names that `phonenumbers` ships (its geocoder locale data, for en, de, fr,
es, it, nl, pt, sv, da, nb, fi and pl), one line per distinct spelling once folded (case, accents,
spaces and punctuation ignored). tests/unit/identity checks this list against that source.
"""

from __future__ import annotations

__all__ = ["COUNTRY_NAMES", "LANGUAGES"]

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "sv", "da", "nb", "fi", "pl")
"""The languages whose names are listed."""

COUNTRY_NAMES = """\
AD Andorra
AD Andorre
AD Andora
AE United Arab Emirates
AE Vereinigte Arabische Emirate
AE Emirats Arabes Unis
AE Emiratos Árabes Unidos
AE Emirati Arabi Uniti
AE Verenigde Arabische Emiraten
AE Emirados Árabes Unidos
AE Förenade Arabemiraten
AE Zjednoczone Emiraty Arabskie
AF Afghanistan
AF Afganistán
AF Afeganistão
AG Antigua and Barbuda
AG Antigua und Barbuda
AG Antigua et Barbuda
AG Antigua y Barbuda
AG Antigua e Barbuda
AG Antigua en Barbuda
AG Antigua och Barbuda
AI Anguilla
AI Anguila
AL Albania
AL Albanien
AL Albanie
AM Armenia
AM Armenien
AM Arménie
AO Angola
AQ Antarctica
AQ Antarktis
AQ Antarctique
AQ Antártida
AQ Antartide
AR Argentina
AR Argentinien
AR Argentine
AR Argentinië
AR Argentyna
AS American Samoa
AS Amerikanisch-Samoa
AS Samoa américaines
AS Samoa Americana
AS Samoa americane
AS Amerikaans Samoa
AS Amerikanska Samoa
AT Austria
AT Österreich
AT Autriche
AT Oostenrijk
AT Österrike
AU Australia
AU Australien
AU Australie
AW Aruba
AX Åland Islands
AX Aaland-Inseln
AX Îles Åland
AX Islas Aland
AX Isole Aland
AX Alandeilanden
AX Ilhas Aland
AX Åland
AZ Azerbaijan
AZ Aserbaidschan
AZ Azerbaïdjan
AZ Azerbaiyán
AZ Azerbaigian
AZ Azerbeidzjan
AZ Azerbaijão
AZ Azerbadjan
AZ Azerbejdżan
BA Bosnia and Herzegovina
BA Bosnien und Herzegowina
BA Bosnie-Herzégovine
BA Bosnia y Hercegovina
BA Bosnia-Erzegovina
BA Bosnië en Herzegovina
BA Bósnia-Herzegovina
BA Bosnien och Herzegovina
BA Bośnia i Hercegowina
BB Barbados
BB Barbade
BD Bangladesh
BD Bangladesch
BD Bangladesz
BE Belgium
BE Belgien
BE Belgique
BE Bélgica
BE Belgio
BE België
BE Belgia
BF Burkina Faso
BF Burquina Faso
BG Bulgaria
BG Bulgarien
BG Bulgarie
BG Bulgarije
BG Bułgaria
BH Bahrain
BH Bahreïn
BH Bahrajn
BI Burundi
BJ Benin
BL Saint Barthélemy
BL San Bartolomé
BL São Bartolomeu
BM Bermuda
BM Bermudes
BM Bermudas
BM Bermudy
BN Brunei
BO Bolivia
BO Bolivien
BO Bolivie
BO Boliwia
BQ Bonaire, Sint Eustatius and Saba
BQ Bonaire, Sint Eustatius und Saba
BQ Bonaire, Saint-Eustache et Saba
BQ Bonaire, San Eustaquio y Saba
BQ Bonaire, Sint Eustatius e Saba
BQ Bonaire, Saint Eustatius och Saba
BR Brazil
BR Brasilien
BR Brésil
BR Brasil
BR Brasile
BR Brazilië
BR Brasilia
BR Brazylia
BS Bahamas
BS Bahamy
BT Bhutan
BT Bhoutan
BT Bután
BT Butão
BV Bouvet Island
BV Bouvet-Insel
BV Île Bouvet
BV Isla Bouvet
BV Isola di Bouvet
BV Bouveteiland
BV Ilha Bouvet
BV Bouvetön
BW Botswana
BW Botsuana
BY Belarus
BY Biélo-Russie
BY Bielorrusia
BY Bielorussia
BY Wit-Rusland
BY Vitryssland
BY Białoruś
BZ Belize
BZ Belice
CA Canada
CA Kanada
CC Cocos Islands
CC Kokos-Inseln
CC Îles Cocos
CC Islas Cocos
CC Isole Cocos
CC Cocoseilanden
CC Ilhas Coco
CC Cocosöarna
CD The Democratic Republic Of Congo
CD Demokratische Republik Kongo
CD République démocratique du Congo
CD República Democrática del Congo
CD Repubblica democratica del Congo
CD Congo-Kinshasa
CD Demokratiska republiken Kongo
CF Central African Republic
CF Zentralafrikanische Republik
CF République Centre-Africaine
CF República Centroafricana
CF Repubblica Centrafricana
CF Centraal-Afrikaanse Republiek
CF Centralafrikanska republiken
CF Republika Środkowoafrykańska
CG Congo
CG Kongo
CG Congo - Brazzaville
CH Switzerland
CH Schweiz
CH Suisse
CH Suiza
CH Svizzera
CH Zwitserland
CH Suíça
CH Sveitsi
CH Szwajcaria
CI Côte d'Ivoire
CI Elfenbeinküste
CI Costa de Marfil
CI Costa d'Avorio
CI Ivoorkust
CI Costa do Marfim
CI Elfenbenskusten
CI Wybrzeże Kości Słoniowej
CK Cook Islands
CK Cook-Inseln
CK Îles Cook
CK Islas Cook
CK Isole Cook
CK Cookeilanden
CK Ilhas Cook
CK Cooköarna
CL Chile
CL Chili
CL Cile
CM Cameroon
CM Kamerun
CM Cameroun
CM Camerún
CM Kameroen
CM República dos Camarões
CN China
CN Chine
CN Cina
CN Kina
CN Kiina
CN Chiny
CO Colombia
CO Kolumbien
CO Colombie
CO Kolumbia
CR Costa Rica
CR Kostaryka
CU Cuba
CU Kuba
CV Cape Verde
CV Kap Verde
CV Cap Vert
CV Cabo Verde
CV Capo Verde
CV Kaapverdië
CV Republika Zielonego Przylądka
CW Curaçao
CX Christmas Island
CX Weihnachtsinsel
CX Île Christmas
CX Isla Christmas
CX Isola di Natale
CX Christmaseiland
CX Ilhas Natal
CX Julön
CY Cyprus
CY Zypern
CY Chypre
CY Chipre
CY Cipro
CY Cypern
CY Cypr
CZ Czech Republic
CZ Tschechische Republik
CZ République Tchèque
CZ Chequia
CZ Repubblica Ceca
CZ Tsjechië
CZ República Tcheca
CZ Tjeckiska republiken
CZ Tsekin tasavalta
CZ Republika Czeska
DE Germany
DE Deutschland
DE Allemagne
DE Alemania
DE Germania
DE Duitsland
DE Alemanha
DE Tyskland
DE Saksa
DE Niemcy
DJ Djibouti
DJ Dschibuti
DJ Yibuti
DJ Gibuti
DJ Djibuti
DJ Dżibuti
DK Denmark
DK Dänemark
DK Dinamarca
DK Danimarca
DK Denemarken
DK Danmark
DK Tanska
DK Dania
DM Dominica
DM Dominique
DM Dominika
DO Dominican Republic
DO Dominikanische Republik
DO République Dominicaine
DO República Dominicana
DO Repubblica Dominicana
DO Dominicaanse Republiek
DO Dominikanska republiken
DO Republika Dominikany
DZ Algeria
DZ Algerien
DZ Algérie
DZ Argelia
DZ Algerije
DZ Algeriet
EC Ecuador
EC Equateur
EC Equador
EC Ekwador
EE Estonia
EE Estland
EE Estonie
EG Egypt
EG Ägypten
EG Egypte
EG Egipto
EG Egitto
EG Egito
EG Egypten
EG Egipt
EH Western Sahara
EH Westsahara
EH Sahara Occidental
EH Sahara Occidentale
EH Westelijke Sahara
EH Saara Ocidental
EH Västra Sahara
EH Sahara Zachodnia
ER Eritrea
ER Erythrée
ER Eritreia
ER Erytrea
ES Spain
ES Spanien
ES Espagne
ES España
ES Spagna
ES Spanje
ES Espanha
ES Espanja
ES Hiszpania
ET Ethiopia
ET Äthiopien
ET Ethiopie
ET Etiopía
ET Etiopien
FI Finland
FI Finnland
FI Finlande
FI Finlandia
FI Suomi
FJ Fiji
FJ Fidschi
FJ Fidji
FJ Fiyi
FJ Figi
FJ Fidżi
FK Falkland Islands
FK Falkland-Inseln
FK Îles Malouines
FK Islas Malvinas
FK Isole Falkland
FK Falklandeilanden
FK Ilhas Malvinas
FK Falklandsöarna
FM Micronesia
FM Mikronesien
FM Micronésie
FM Mikronezja
FO Faroe Islands
FO Färöer-Inseln
FO Îles Féroé
FO Islas Feroe
FO Isole Færoer
FO Faeröer
FO Ilhas Faroe
FO Färöarna
FR France
FR Frankreich
FR Francia
FR Frankrijk
FR França
FR Frankrike
FR Ranska
FR Francja
GA Gabon
GA Gabun
GA Gabão
GB United Kingdom
GB Vereinigtes Königreich
GB Royaume-Uni
GB Reino Unido
GB Regno Unito
GB Verenigd Koninkrijk
GB Storbritannien
GB Iso-Britannia
GB Wielka Brytania
GD Grenada
GD Grenade
GD Granada
GE Georgia
GE Georgien
GE Géorgie
GE Gruzja
GF French Guiana
GF Französisch-Guayana
GF Guyane française
GF Guayana Francesa
GF Guayana Francese
GF Frans-Guyana
GF Guiana Francesa
GF Franska Guyana
GF Gujana Francuska
GG Guernsey
GG Guernesey
GH Ghana
GH Gana
GI Gibraltar
GI Gibilterra
GL Greenland
GL Grönland
GL Groenland
GL Groenlandia
GM Gambia
GM Gambie
GN Guinea
GN Guinée
GN Guiné
GN Gwinea
GP Guadeloupe
GP Guadalupe
GP Guadalupa
GP Gwadelupa
GQ Equatorial Guinea
GQ Äquatorial-Guinea
GQ Guinée Equatoriale
GQ Guinea Ecuatorial
GQ Guinea Equatoriale
GQ Equatoriaal-Guinea
GQ Guiné Equatorial
GQ Ekvatorialguinea
GQ Gwinea Równikowa
GR Greece
GR Griechenland
GR Grèce
GR Grecia
GR Griekenland
GR Grekland
GR Kreikka
GR Grecja
GS South Georgia And The South Sandwich Islands
GS Süd-Georgia und die südlichen Sandwich-Inseln
GS Géorgie du Sud et îles Sandwich du Sud
GS Islas Georgia del Sur y Sandwich del Sur
GS Georgia del sud e isole Sandwich meridionali
GS Zuid-Georgië en Zuidelijke Sandwicheilanden
GS Geórgia do Sul e Ilhas Sandwich do Sul
GS Sydgeorgien och Sydsandwichöarna
GT Guatemala
GT Gwatemala
GU Guam
GW Guinea-Bissau
GW Guinée-Bissau
GW Guiné Bissau
GW Gwinea Bissau
GY Guyana
GY Guiana
GY Gujana
HK Hong Kong
HK Hongkong SAR van China
HK Hong Kong, Região Admin. Especial da China
HM Heard Island And McDonald Islands
HM Heard- und McDonald-Inseln
HM Île Heard et îles McDonald
HM Islas Heard y McDonald
HM Isole Heard e McDonald
HM Heard- en McDonaldeilanden
HM Ilha Heard e Ilhas McDonald
HM Heardöch McDonaldöarna
HN Honduras
HR Croatia
HR Kroatien
HR Croatie
HR Croacia
HR Croazia
HR Kroatië
HR Chorwacja
HT Haiti
HU Hungary
HU Ungarn
HU Hongrie
HU Hungría
HU Ungheria
HU Hongarije
HU Ungern
HU Węgry
ID Indonesia
ID Indonesien
ID Indonésie
ID Indonezja
IE Ireland
IE Irland
IE Irlande
IE Irlanda
IE Ierland
IE Irlanti
IE Irlandia
IL Israel
IL Israele
IL Izrael
IM Isle Of Man
IM Ile de Man
IM Isla de Man
IM Isola di Man
IM Ilha de Man
IN India
IN Indien
IN Inde
IN Indie
IO British Indian Ocean Territory
IO Britische Territorien im Indischen Ozean
IO Territoires britanniques de l'Océan Indien
IO Territorio Británico del Océano Índico
IO Territorio britannico dell'Oceano Indiano
IO Britse Gebieden in de Indische Oceaan
IO Território Britânico do Oceano Índico
IO Brittiska territoriet i Indiska Oceanen
IQ Iraq
IQ Irak
IQ Iraque
IR Iran
IR Irã
IS Iceland
IS Island
IS Islande
IS Islandia
IS Islanda
IS IJsland
IT Italy
IT Italien
IT Italie
IT Italia
IT Włochy
JE Jersey
JM Jamaica
JM Jamaika
JM Jamaïque
JM Giamaica
JM Jamajka
JO Jordan
JO Jordanien
JO Jordanie
JO Jordania
JO Giordania
JP Japan
JP Japon
JP Giappone
JP Japão
JP Japani
JP Japonia
KE Kenya
KE Kenia
KE Quênia
KG Kyrgyzstan
KG Kirgistan
KG Kirguizistán
KG Kirghizistan
KG Kirgizië
KG Quirguistão
KG Kirgisistan
KH Cambodia
KH Kambodscha
KH Cambodge
KH Camboya
KH Cambogia
KH Cambodja
KH Camboja
KH Kambodja
KH Kambodża
KI Kiribati
KI Quiribati
KM Comoros
KM Komoren
KM Comores
KM Comore
KM Comoren
KM Komorerna
KM Komory
KN Saint Kitts And Nevis
KN Saint Kitts und Nevis
KN Saint-Christophe-et-Niévès
KN San Cristóbal y Nieves
KN Saint Kitts e Nevis
KN Saint Kitts en Nevis
KN São Cristovão e Nevis
KN Saint Kitts och Nevis
KP North Korea
KP Nordkorea
KP Corée du Nord
KP Corea del Norte
KP Corea del Nord
KP Noord-Korea
KP Coreia do Norte
KP Korea Północna
KR South Korea
KR Südkorea
KR Corée du Sud
KR Corea del Sur
KR Corea del Sud
KR Zuid-Korea
KR Coreia do Sul
KR Sydkorea
KR Korea
KR Korea Południowa
KW Kuwait
KW Koweit
KW Koeweit
KW Kuwejt
KY Cayman Islands
KY Kaiman-Inseln
KY Îles Caïmans
KY Islas Caimán
KY Isole Cayman
KY Caymaneilanden
KY Ilhas Caiman
KY Caymanöarna
KZ Kazakhstan
KZ Kasachstan
KZ Kazajstán
KZ Kazachstan
KZ Casaquistão
KZ Kazakstan
LA Laos
LA República Popular Democrática do Laos
LB Lebanon
LB Libanon
LB Liban
LB Líbano
LC Saint Lucia
LC St. Lucia
LC Sainte-Lucie
LC Santa Lucia
LC Sainte Lucia
LI Liechtenstein
LK Sri Lanka
LR Liberia
LS Lesotho
LS Lesoto
LT Lithuania
LT Litauen
LT Lithuanie
LT Lituania
LT Litouwen
LT Litwa
LU Luxembourg
LU Luxemburg
LU Luxemburgo
LU Lussemburgo
LU Luksemburg
LV Latvia
LV Lettland
LV Lettonie
LV Letonia
LV Lettonia
LV Letland
LV Łotwa
LY Libya
LY Libyen
LY Libye
LY Libia
LY Libië
MA Morocco
MA Marokko
MA Maroc
MA Marruecos
MA Marocco
MA Marrocos
MA Marocko
MA Maroko
MC Monaco
MC Monako
MD Moldova
MD Moldau
MD Moldavie
MD Moldavia
MD Moldavien
MD Mołdawia
ME Montenegro
MF Saint Martin
MF St. Martin
MF San Martín
MF São Martinho
MG Madagascar
MG Madagaskar
MH Marshall Islands
MH Marshall-Inseln
MH Îles Marshall
MH Islas Marshall
MH Isole Marshall
MH Marshalleilanden
MH Ilhas Marshall
MH Marshallöarna
MK Macedonia
MK Mazedonien
MK Macédoine
MK Macedonië
MK Makedonien
ML Mali
MM Myanmar
MM Mianmar [Birmânia]
MN Mongolia
MN Mongolei
MN Mongolie
MN Mongoliet
MO Macao
MO Macao SAR van China
MO Macau, Região Admin. Especial da China
MP Northern Mariana Islands
MP Nördliche Mariannen-Inseln
MP Îles Mariannes du Nord
MP Islas Marianas del Norte
MP Isole Marianne settentrionali
MP Noordelijke Marianeneilanden
MP Ilhas Marianas do Norte
MP Nordmarianerna
MQ Martinique
MQ Martinica
MQ Martynika
MR Mauritania
MR Mauretanien
MR Mauritanie
MR Mauretania
MS Montserrat
MT Malta
MT Malte
MU Mauritius
MU Maurice
MU Mauricio
MU Maurizio
MV Maldives
MV Maldiven
MV Maldivas
MV Maldive
MV Maldiverna
MW Malawi
MW Malaui
MX Mexico
MX Mexiko
MX Mexique
MX Messico
MX Meksyk
MY Malaysia
MY Malaisie
MY Malasia
MY Maleisië
MY Malezja
MZ Mozambique
MZ Mosambik
MZ Mozambico
MZ Moçambique
MZ Mozambik
NA Namibia
NA Namibie
NC New Caledonia
NC Neukaledonien
NC Nouvelle-Calédonie
NC Nueva Caledonia
NC Nuova Caledonia
NC Nieuw-Caledonië
NC Nova Caledônia
NC Nya Kaledonien
NC Nowa Kaledonia
NE Niger
NF Norfolk Island
NF Norfolk-Insel
NF Île Norfolk
NF Isla Norfolk
NF Isola Norfolk
NF Norfolkeiland
NF Ilha Norfolk
NF Norfolkön
NG Nigeria
NI Nicaragua
NI Nikaragua
NL Netherlands
NL Niederlande
NL Pays-Bas
NL Holanda
NL Paesi Bassi
NL Nederland
NL Nederländerna
NL Alankomaat
NL Holandia
NO Norway
NO Norwegen
NO Norvège
NO Noruega
NO Norvegia
NO Noorwegen
NO Norge
NO Norja
NO Norwegia
NP Nepal
NR Nauru
NU Niue
NZ New Zealand
NZ Neuseeland
NZ Nouvelle-Zélande
NZ Nueva Zelanda
NZ Nuova Zelanda
NZ Nieuw-Zeeland
NZ Nova Zelândia
NZ Nya Zeeland
NZ Nowa Zelandia
OM Oman
OM Omã
PA Panama
PE Peru
PE Pérou
PF French Polynesia
PF Französisch-Polynesien
PF Polynésie Française
PF Polinesia Francesa
PF Polinesia Francese
PF Frans-Polynesië
PF Franska Polynesien
PF Polinezja Francuska
PG Papua New Guinea
PG Papua-Neuguinea
PG Papouasie-Nouvelle-Guinée
PG Papua Nuova Guinea
PG Papoea-Nieuw-Guinea
PG Papua-Nova Guiné
PG Papua Nya Guinea
PG Papua Nowa Gwinea
PH Philippines
PH Philippinen
PH Filipinas
PH Filippine
PH Filipijnen
PH Filippinerna
PH Filipiny
PK Pakistan
PK Paquistán
PK Paquistão
PL Poland
PL Polen
PL Pologne
PL Polonia
PL Puola
PL Polska
PM Saint Pierre And Miquelon
PM St. Pierre und Miquelon
PM Saint-Pierre-et-Miquelon
PM San Pedro y Miquelón
PM Saint Pierre e Miquelon
PM Saint Pierre en Miquelon
PM Saint Pierre och Miquelon
PN Pitcairn
PN Islas Pitcairn
PR Puerto Rico
PR Porto Rico
PR Portoryko
PS Palestine
PS Palästina
PS Palestina
PS Palestijns Gebied
PS Territórios palestinos
PT Portugal
PT Portogallo
PT Portugali
PT Portugalia
PW Palau
PW Belau
PW Palaos
PY Paraguay
PY Paraguai
PY Paragwaj
QA Qatar
QA Katar
QA Catar
RE Reunion
RE La Réunion
RE Reunião
RO Romania
RO Rumänien
RO Roumanie
RO Rumania
RO Roemenië
RO Romênia
RO Rumunia
RS Serbia
RS Serbien
RS Serbie
RS Servië
RS Sérvia
RU Russia
RU Russland
RU Russie
RU Rusia
RU Rusland
RU Ryssland
RU Venäjä
RU Rosja
RW Rwanda
RW Ruanda
SA Saudi Arabia
SA Saudi-Arabien
SA Arabie Saoudite
SA Arabia Saudita
SA Saoedi-Arabië
SA Arabia Saudyjska
SB Solomon Islands
SB Solomon-Inseln
SB Îles Salomon
SB Islas Salomón
SB Isole Solomon
SB Salomonseilanden
SB Ilhas Salomão
SB Salomonöarna
SC Seychelles
SC Seychellen
SC Seychellerna
SC Seszele
SD Sudan
SD Soudan
SD Soedan
SD Sudão
SE Sweden
SE Schweden
SE Suède
SE Suecia
SE Svezia
SE Zweden
SE Sverige
SE Ruotsi
SE Szwecja
SG Singapore
SG Singapur
SG Singapour
SG Cingapura
SH Saint Helena
SH St. Helena
SH Sainte-Hélène
SH Santa Helena
SH Sant'Elena
SH Sint-Helena
SI Slovenia
SI Slowenien
SI Slovénie
SI Eslovenia
SI Slovenien
SI Słowenia
SJ Svalbard And Jan Mayen
SJ Svalbard und Jan Mayen
SJ Svalbard et Jan Mayen
SJ Svalbard y Jan Mayen
SJ Svalbard e Jan Mayen
SJ Svalbard en Jan Mayen
SJ Svalbard och Jan Mayen
SK Slovakia
SK Slowakei
SK Slovaquie
SK Eslovaquia
SK Slovacchia
SK Slowakije
SK Slovakien
SK Słowacja
SL Sierra Leone
SL Sierra Leona
SL Serra Leoa
SM San Marino
SM Saint-Marin
SN Senegal
SO Somalia
SO Somalie
SR Suriname
SR Surinam
SS South Sudan
SS Südsudan
SS Sud-Soudan
SS Sudán del Sur
SS Sudan del Sud
SS Sydsudan
ST Sao Tome And Principe
ST Sao Tome und Principe
ST Sao Tomé et Principe
ST Santo Tomé y Príncipe
ST São Tomé e Principe
ST Sao Tomé en Principe
ST São Tomé och Príncipe
SV El Salvador
SV Salwador
SX Sint Maarten (Dutch part)
SX Sint Maarten (Niederländischer Teil)
SX Saint-Martin (partie néerlandaise)
SX San Martín (región holandesa)
SX Sint Maarten (parte olandese)
SX Sint Maarten (nederländska delen)
SY Syria
SY Syrien
SY Syrie
SY Siria
SZ Swaziland
SZ Swasiland
SZ Suazilandia
SZ Suazi
TC Turks And Caicos Islands
TC Turks- und Caicos-Inseln
TC Îles Turks et Caicos
TC Islas Turcas y Caicos
TC Isole Turks e Caicos
TC Turks- en Caicoseilanden
TC Ilhas Turks e Caicos
TC Turks- och Caicosöarna
TD Chad
TD Tschad
TD Tchad
TD Ciad
TD Tsjaad
TD Chade
TD Czad
TF French Southern Territories
TF Französische Südgebiete
TF Territoires Français du Sud
TF Territorios Franceses del Sur
TF Territori Francesi d'Oltremare
TF Franse Gebieden in de zuidelijke Indische Oceaan
TF Territórios Franceses do Sul
TF Franska södra territorierna
TF Francuskie Terytoria Zamorskie
TG Togo
TH Thailand
TH Thaïlande
TH Tailandia
TH Thailandia
TH Tajlandia
TJ Tajikistan
TJ Tadschikistan
TJ Tadjikistan
TJ Tayikistán
TJ Tagikistan
TJ Tadzjikistan
TJ Tadjiquistão
TJ Tadżykistan
TK Tokelau
TL Timor-Leste
TL Timor Oriental
TL Oost-Timor
TM Turkmenistan
TM Turcomenistão
TN Tunisia
TN Tunesien
TN Tunisie
TN Túnez
TN Tunesië
TN Tunisien
TN Tunezja
TO Tonga
TR Turkey
TR Türkei
TR Turquie
TR Turquía
TR Turchia
TR Turkije
TR Turkiet
TR Turkki
TR Turcja
TT Trinidad and Tobago
TT Trinidad und Tobago
TT Trinité-et-Tobago
TT Trinidad y Tobago
TT Trinidad e Tobago
TT Trinidad en Tobago
TT Trinidad och Tobago
TT Trynidad i Tobago
TV Tuvalu
TW Taiwan
TW Tajwan
TZ Tanzania
TZ Tansania
TZ Tanzanie
UA Ukraine
UA Ucrania
UA Ucraina
UA Oekraïne
UA Ukraina
UG Uganda
UG Ouganda
UG Oeganda
UM United States Minor Outlying Islands
UM Übrige Inseln im Pazifik der USA
UM Dépendances américaines du Pacifique
UM Islas menores alejadas de los Estados Unidos
UM Isole minori lontane degli Stati Uniti
UM Amerikaanse kleinere afgelegen eilanden
UM Ilhas Menores Distantes dos Estados Unidos
UM Förenta staternas mindre öar i Oceanien och Västindien
US United States
US Vereinigte Staaten von Amerika
US Etats-Unis
US Estados Unidos
US Stati Uniti
US Verenigde Staten
US Amerikas Förenta Stater
US Yhdysvallat
US Stany Zjednoczone Ameryki
UY Uruguay
UY Uruguai
UY Urugwaj
UZ Uzbekistan
UZ Usbekistan
UZ Ouzbékistan
UZ Oezbekistan
UZ Uzbequistão
VA Vatican
VA Vatikanstadt
VA Ciudad del Vaticano
VA Città del Vaticano
VA Vaticaanstad
VA Vaticano
VA Vatikanen
VA Watykan
VC Saint Vincent And The Grenadines
VC St. Vincent und die Grenadinen
VC Saint-Vincent-et-les Grenadines
VC San Vicente y las Granadinas
VC Saint Vincent e Grenadine
VC Saint Vincent en de Grenadines
VC São Vicente e Granadinas
VC Saint Vincent och Grenadinerna
VE Venezuela
VE Wenezuela
VG British Virgin Islands
VG Britische Jungferninseln
VG Iles Vierges Britanniques
VG Islas Vírgenes Británicas
VG Isole Vergini (GB)
VG Britse Maagdeneilanden
VG Ilhas Virgens Britânicas
VG Brittiska Virgin Islands
VG Dziewicze Wyspy Brytyjskie
VI U.S. Virgin Islands
VI Amerikanische Jungferninseln
VI Iles Vierges Américaines
VI Islas Vírgenes Americanas
VI Isole Vergini (USA)
VI Amerikaanse Maagdeneilanden
VI Ilhas Virgens dos EUA
VI Amerikanska Virgin Islands
VI Dziewicze Wyspy Stanów Zjednoczonych
VN Vietnam
VN Vietnã
VN Wietnam
VU Vanuatu
WF Wallis And Futuna
WF Wallis und Futuna
WF Wallis-et-Futuna
WF Wallis y Futuna
WF Wallis e Futuna
WF Wallis en Futuna
WF Wallis och Futuna
WS Samoa
YE Yemen
YE Jemen
YE Iêmen
YT Mayotte
YT Mayotta
ZA South Africa
ZA Südafrika
ZA Afrique du Sud
ZA Sudáfrica
ZA Zuid-Afrika
ZA África do Sul
ZA Sydafrika
ZA Republika Południowej Afryki
ZM Zambia
ZM Sambia
ZM Zambie
ZW Zimbabwe
ZW Simbabwe
ZW Zimbabue
"""
