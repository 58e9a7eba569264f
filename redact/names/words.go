package names

// The word lists below are written by hand for this package. They hold
// folded (lower-case, unaccented) words.

// notSurname lists words that end a name: function words, verbs, and the
// nouns of shopping, travel and page titles that follow a first name
// without being a surname ("Victoria Station", "Jordan trainers",
// "Rose Gold Watch", "emily dress").
const notSurname = `
a an the and or but nor so for of to in on at by from with without into onto
upon off out up down over under near via per as than then if is are was were be
been being am do does did done has have had having will would shall should can
could may might must not no yes all any some every each both either neither
this that these those there here where when what which who whom whose why how
i me my mine we us our ours you your yours he him his she her hers it its they
them their theirs one two three four five six seven eight nine ten first second
third last next new old best top cheap cheapest free more most less least very
just only also about after before again against between through during since
until while like near nearby around inside outside
buy sale sales deal deals offer offers discount discounts voucher code codes
price prices cost review reviews rating ratings compare vs versus online shop
shops store stores outlet stockist stockists delivery collection click collect
order orders return returns refund account login log sign register password
help support contact faq faqs phone number email address opening hours times
time today tonight tomorrow yesterday now week weekend weekly day daily night
morning evening afternoon year years month months monday tuesday wednesday
thursday friday saturday sunday january february march july september october
november december
near me uk gb eu usa ie local national international
flight flights hotel hotels holiday holidays tour tours trip trips travel
ticket tickets booking bookings book cruise cruises train trains bus buses
coach taxi car cars hire rental parking map maps directions route weather
forecast news live score scores results fixtures table league cup final
match game games vs kit shirt shirts
dress dresses skirt skirts top tops jeans trousers shorts coat coats jacket
jackets jumper jumpers hoodie hoodies shoes shoe boots boot trainers trainer
sandals heels bag bags handbag handbags purse wallet watch watches ring rings
necklace earrings bracelet jewellery jewelry perfume fragrance aftershave
makeup lipstick mascara foundation shampoo conditioner cream serum lotion
sofa sofas bed beds mattress table tables chair chairs desk lamp lamps rug rugs
curtains blinds paint wallpaper kitchen bathroom bedroom garden gardens shed
tv tvs phone phones laptop laptops tablet tablets case cases cover covers
charger cable cables headphones earbuds speaker speakers camera cameras console
pro max mini plus ultra lite air se edition size sizes small medium large xl
xxl xs colour color colours colors black white red blue green pink purple
orange yellow grey gray navy beige cream silver gold khaki teal brown
mens womens men women ladies gents kids kid children child baby babies boys
girls boy girl unisex family families wife husband mum mom dad mother father
sister brother son daughter wedding birthday anniversary party gift gifts
present presents card cards christmas easter halloween valentines
recipe recipes menu restaurant restaurants cafe pub pubs bar bars takeaway
food drink drinks wine beer coffee tea cake cakes pizza
station street st road rd avenue ave lane ln drive close crescent terrace
square place way row park parks bridge hospital university uni college school
schools academy church cathedral chapel castle palace abbey museum gallery
theatre theater cinema centre center arena stadium airport port harbour
beach bay island isle hill hills mount mountain lake loch river valley forest
house hall court tower towers market city town village county north south east
west upper lower great little central royal saint
le
job jobs career careers vacancy vacancies apply course courses class classes
book books novel film films movie movies series season episode episodes album
song songs lyrics music band tour concert festival show shows
quote quotes meaning definition translation synonym wiki wikipedia
photo photos picture pictures image images video videos pdf doc download
app apps software update install instructions manual guide guides
cyber
england scotland wales ireland britain italy france spain portugal germany
austria switzerland belgium netherlands greece turkey croatia poland czechia
hungary romania bulgaria norway sweden denmark finland iceland russia ukraine
egypt morocco tunisia dubai qatar thailand vietnam japan korea nepal
australia zealand canada mexico brazil argentina peru chile texas california
tokyo bangkok bali lisbon madrid barcelona rome venice berlin munich amsterdam
prague budapest krakow dubrovnik athens istanbul tenerife lanzarote majorca
mallorca menorca algarve orlando fc afc utd united city rovers athletic
name names surname surnames person people user users customer customers
team staff member members manager director officer admin guest
`

// wordSurnames are everyday words that are also common surnames. After a
// first name that counts alone they are read as the surname ("John Brown",
// "emily white"); after one that is itself a word they are not
// ("Rose Gold", "Will Power").
const wordSurnames = `
brown green white black gray grey gold silver rose may page king bell hill
wood woods field fields lane moss day rice ford west swift winter summers
frost lamb pike bird cole heath marsh miles pope fox stone banks booth grant
ward dean cook baker carter walker mason porter potter turner fisher palmer
steele sharp hart berry wells holmes young hall mills shaw cox power price
hunt long short little small rich bush north south east
`

// notAfterWordNames are the word-surnames that do not confirm a first name
// which is itself a word, even capitalised: colours ("Rose Gold", "Olive
// Green", "Ivory White") and words that make a phrase ("Will Power",
// "May Day").
const notAfterWordNames = `
brown green white black gray grey gold silver rose may page king power day
long short little small rich young price north south east west
`

// titles come before a name. formal ones make the next capitalised word a
// name even in lower case text ("dr tregothnan"); soft ones only do so
// for a first name or a known surname, since "miss you" and "dear customer"
// are not people.
const formalTitles = `mr mrs ms mx dr prof professor sir dame rev revd reverend fr`
const softTitles = `miss dear lady lord master madam madame mister missus hi hello`

// particles join a first name to its surname: "Siobhán Ní Bhriain",
// "Ludwig van Beethoven", "Seán Mac Giolla", "Aled ap Rhys". A particle is
// part of a name only when a surname follows it.
const particles = `mac mc o ni nic ui mhic bean ap ab van von der den de la le du da
di del della dos das st bin ibn al el fitz giolla ghiolla maoil mhaoil`

// placePrefixes come before a place named like a person: "St Ives",
// "Fort William", "Lake Victoria". A first name right after one is no name,
// and a place prefix that is itself a first name ("Port") starts none.
const placePrefixes = `st saint fort port mount mt lake loch strath san santa sao`

// joins are the words that may follow a name at the end of a phrase in a
// search term: "lily tregothnan to cork".
const joins = `to from for in at and or on with of is was by via`

// placesOf come before "of" and a place named like a person: "Isle of
// Lewis", "University of Stirling", "Duke of Clarence".
const placesOf = `isle isles city county university bank port church museum college
school duke duchess earl prince princess king queen bay vale`

// placeHeads name a kind of place or building. After a first name that
// would count alone in a term they make it part of a place name
// ("Alexandra Palace", "Victoria Station"). Word-surnames such as Hill,
// Green and Wood are left out: "Emily Hill" is a person.
const placeHeads = `station street road avenue lane square place park bridge hospital
university college school church cathedral chapel castle palace abbey museum
gallery theatre cinema centre center arena stadium airport harbour harbor beach
bay island islands isle mount mountain lake loch river valley forest hall court
tower market cove ground gardens garden point quay pier dock wharf estate
crescent terrace close drive way row gate gates moor fell head ness sound`
